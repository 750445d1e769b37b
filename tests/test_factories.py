"""The factories build what they say, the way production does: roles from ``sync_roles``,
drug facts as oscar attributes, prescriptions moved only through the services. And the
runtime packages never import them (nor factory_boy)."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from prescriptions.drugs import drug_info
from prescriptions.models import PrescriptionEvent
from prescriptions.models import PrescriptionStatus as S
from prescriptions.review.models import ReviewDecision, Transcription
from prescriptions.review.permissions import is_licensed_pharmacist, may_transcribe
from prescriptions.roles import ROLE_PERMISSIONS
from prescriptions.services import PrescriptionError
from tests.factories import (
    AWAITING_DISPENSE,
    ControlledProductFactory,
    CustomerFactory,
    IsotretinoinProductFactory,
    OrderFactory,
    OtcProductFactory,
    PatientFactory,
    PharmacistFactory,
    PrescriptionFactory,
    RxProductFactory,
    ShopAdministratorFactory,
    TechnicianFactory,
    log_in_staff,
    staff_client,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_PACKAGES = ("shop", "prescriptions", "compliance", "payments", "infra")


def permissions_of(user) -> set[str]:
    return {p for p in user.get_all_permissions() if not p.startswith("auth.")}


@pytest.mark.parametrize(
    ("factory", "role"),
    [
        (PharmacistFactory, "Pharmacist"),
        (TechnicianFactory, "Pharmacy technician"),
        (ShopAdministratorFactory, "Shop administrator"),
    ],
)
def test_each_role_is_its_production_group(factory, role):
    user = factory()
    assert list(user.groups.values_list("name", flat=True)) == [role]
    if not user.is_superuser:
        assert permissions_of(user) == set(ROLE_PERMISSIONS[role])


def test_only_the_pharmacist_decides_and_the_technician_transcribes():
    assert is_licensed_pharmacist(PharmacistFactory())
    technician = TechnicianFactory()
    assert may_transcribe(technician) and not is_licensed_pharmacist(technician)
    assert not is_licensed_pharmacist(ShopAdministratorFactory())  # a superuser, but not a pharmacist
    assert permissions_of(CustomerFactory()) == set()


def test_second_factor_trait_gives_a_confirmed_authenticator_that_passes_the_verify_page(client):
    pharmacist = PharmacistFactory(second_factor=True)
    device = TOTPDevice.objects.get(user=pharmacist)
    assert device.confirmed
    assert client.get("/dashboard/").status_code == 302  # not logged in
    log_in_staff(client, pharmacist)
    assert client.get("/accounts/profile/").status_code == 200
    assert not TOTPDevice.objects.filter(user=PharmacistFactory()).exists()


def test_staff_client_has_passed_the_second_factor_unless_told_not_to():
    technician = TechnicianFactory()
    assert staff_client(technician).get("/accounts/profile/").status_code == 200
    refused = staff_client(TechnicianFactory(), second_factor=False).get("/accounts/profile/")
    assert refused.status_code == 302 and refused["Location"].startswith("/pharmacy/staff/verify/")


def test_products_carry_their_drug_facts_and_stock():
    otc, rx = OtcProductFactory(), RxProductFactory(price=Decimal("30.00"))
    controlled, iso = ControlledProductFactory(), IsotretinoinProductFactory(drug__strength="40 mg")
    assert not drug_info(otc).requires_prescription and otc.product_class.slug == "over-the-counter"
    assert drug_info(rx).requires_prescription and not drug_info(rx).programme and not drug_info(rx).is_controlled
    assert drug_info(controlled).is_controlled and drug_info(controlled).dea_schedule == 4
    assert drug_info(iso).programme == "ipledge" and drug_info(iso).strength == "40 mg"
    assert iso.attr.medication_guide_url and iso.product_class.slug == "prescription-medicine"
    record = rx.stockrecords.get()
    assert (record.partner.code, record.price, record.price_currency) == ("rxshop-pharmacy", Decimal("30.00"), "USD")


def test_a_controlled_substance_cannot_be_submitted_because_the_factory_uses_the_service():
    with pytest.raises(PrescriptionError, match="controlled substance"):
        PrescriptionFactory(product=ControlledProductFactory())


# Each state, and the status moves that led there (one PrescriptionEvent each).
PATHS = {
    "submitted": [S.SUBMITTED],
    "in_review": [S.SUBMITTED, S.IN_REVIEW],
    "transcribed": [S.SUBMITTED],
    "claimed": [S.SUBMITTED, S.IN_REVIEW],
    "verified": [S.SUBMITTED, S.IN_REVIEW, S.VERIFIED],
    "rejected": [S.SUBMITTED, S.IN_REVIEW, S.REJECTED],
    "info_requested": [S.SUBMITTED, S.IN_REVIEW, S.INFO_REQUESTED],
    "expired": [S.SUBMITTED, S.IN_REVIEW, S.VERIFIED, S.EXPIRED],
    "used_up": [S.SUBMITTED, S.IN_REVIEW, S.VERIFIED, S.USED_UP],
}


@pytest.mark.parametrize("stage", PATHS)
def test_each_state_is_reached_through_the_services(stage):
    prescription = PrescriptionFactory(**{stage: True}) if stage != "submitted" else PrescriptionFactory()
    moves = list(
        PrescriptionEvent.objects.filter(prescription=prescription).order_by("pk").values_list("to_status", flat=True)
    )
    assert moves == PATHS[stage]
    assert prescription.status == PATHS[stage][-1]
    transcribed = Transcription.objects.filter(prescription=prescription, version__gt=0).exists()
    assert transcribed == (stage not in ("submitted", "in_review"))
    if stage in ("verified", "expired", "used_up"):
        decision = ReviewDecision.objects.get(prescription=prescription)
        assert decision.outcome == "verified" and decision.evaluation.passed


def test_patients_and_orders():
    parent = CustomerFactory()
    child = PatientFactory(account=parent, child=True)
    assert (child.relationship, child.first_name, child.last_name) == ("child", "Lucia", "Nguyen")
    assert PatientFactory(account=parent).full_name == "Carol Nguyen"
    order = OrderFactory(
        user=parent,
        lines=[(IsotretinoinProductFactory(price=Decimal("50.00")), 1), (OtcProductFactory(price=Decimal("12.50")), 2)],
        status=AWAITING_DISPENSE,
    )
    assert order.status == AWAITING_DISPENSE and order.user == parent
    assert order.total_incl_tax == Decimal("75.00") and order.shipping_address.state == "NY"


def test_authorised_order_is_recorded_as_checkout_records_it(localstripe):
    from payments.models import PaymentAuthorisation

    order = OrderFactory(authorised=True)
    payment = PaymentAuthorisation.objects.get(order=order)
    assert payment.amount_authorised == order.total_incl_tax and payment.amount_captured == 0
    assert order.sources.get().reference == payment.intent_id


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_runtime_packages_never_import_factories():
    """factory_boy is a test dependency (pyproject's ``test`` extra); so are oscar's
    test factories and ours."""
    offending = []
    for package in RUNTIME_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for name in _imports(path):
                if name.split(".")[0] in ("factory", "tests") or name.startswith("oscar.test"):
                    offending.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offending, offending
