"""Fixtures for the review workspace: the demo pharmacy staff with their roles
(from ``sync_roles`` via the demo loader), clients that have passed the second
factor, and prescriptions built through the services."""
from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from prescriptions.review import services
from tests.prescriptions.conftest import submit

TEST_TOTP_KEY = "3132333435363738393031323334353637383941"


def staff_client(user, *, second_factor: bool = True) -> Client:
    """A client logged in as ``user`` that has (or has not) passed the second
    factor: the session holds the device id, as ``django_otp.login`` leaves it."""
    client = Client()
    client.force_login(user)
    if second_factor:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="Test authenticator", key=TEST_TOTP_KEY, confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def pharmacist(demo_shop, django_user_model):
    return django_user_model.objects.get(email="pharmacist@example.com")


@pytest.fixture
def technician(demo_shop, django_user_model):
    return django_user_model.objects.get(email="technician@example.com")


@pytest.fixture
def second_pharmacist(demo_shop, django_user_model):
    user = django_user_model.objects.create_user(
        username="pharmacist2@example.com", email="pharmacist2@example.com", password="not-used-2026",
        first_name="Omar", last_name="Haddad",
    )
    user.groups.add(Group.objects.get(name="Pharmacist"))
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def shop_admin(demo_shop, django_user_model):
    return django_user_model.objects.get(email="admin@example.com")


@pytest.fixture
def pharmacist_client(pharmacist):
    return staff_client(pharmacist)


@pytest.fixture
def technician_client(technician):
    return staff_client(technician)


@pytest.fixture
def prescription(alice):
    """Alice's isotretinoin 20 mg prescription, just uploaded."""
    return submit(alice)


def good_transcription(**changes) -> services.TranscriptionData:
    """What a valid isotretinoin prescription says (patient who cannot get pregnant)."""
    values = dict(
        prescriber_name="Jane Smith, MD", prescriber_address="1 Main St, Albany, NY 12207",
        prescriber_npi="1234567893", drug_name="Isotretinoin", strength="20 mg", dosage_form="capsule",
        quantity=30, days_supply=30, directions="Take one capsule by mouth once daily with food.", refills=0,
        date_written=timezone.localdate() - datetime.timedelta(days=2), signature_present=True,
        risk_category="cannot",
    )
    values.update(changes)
    return services.TranscriptionData(**values)


def transcribe(prescription, user, data: services.TranscriptionData | None = None, *, release: bool = True):
    """``user`` claims, transcribes and (by default) releases the prescription."""
    services.claim_for_review(prescription=prescription, reviewer=user)
    current = getattr(prescription, "transcription", None)
    prescription.refresh_from_db()
    from prescriptions.review.models import Transcription

    version = Transcription.objects.filter(prescription=prescription).values_list("version", flat=True).first() or 0
    transcription = services.save_transcription(prescription=prescription, user=user,
                                                data=data or good_transcription(), expected_version=version)
    if release:
        services.release_claim(prescription=prescription, reviewer=user)
    del current
    return transcription


@pytest.fixture
def transcribed(prescription, technician):
    """Transcribed by the technician and back in the queue."""
    transcribe(prescription, technician)
    prescription.refresh_from_db()
    return prescription


@pytest.fixture
def claimed(transcribed, pharmacist):
    """Transcribed by the technician, now opened by the pharmacist (in review)."""
    services.claim_for_review(prescription=transcribed, reviewer=pharmacist)
    transcribed.refresh_from_db()
    return transcribed
