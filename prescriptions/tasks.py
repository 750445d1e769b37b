"""Background work for prescriptions. Tasks take ids, load, call a service,
and are safe to run twice (STYLE.md 6)."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.contrib.sites.models import Site
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from infra.notifications import send_once
from infra.sms import send_sms
from payments import services as payment_services
from payments import tasks as payment_tasks
from payments.exceptions import PaymentGatewayUnavailable

from . import autorefill, clamav, fulfilment, refills, services
from .models import (
    CUSTOMER_STATUS,
    AutoRefill,
    Prescription,
    PrescriptionEvent,
    PrescriptionFile,
    PrescriptionStatus,
    ScanStatus,
    Shipment,
    private_storage,
)
from .pharmacy import pharmacy_details

logger = logging.getLogger(__name__)

RETRYABLE_MAIL = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError)
RETRYABLE_SCAN = (ConnectionError, TimeoutError, OSError)


def _site_url(path: str) -> str:
    """An absolute link for an e-mail: the shop's public address (RXSHOP_SITE_URL, scheme and
    host as configured) when set, else the Sites framework's domain."""
    base = getattr(settings, "RXSHOP_SITE_URL", "").rstrip("/")
    if base:
        return f"{base}{path}"
    domain = Site.objects.get_current().domain
    scheme = "https" if getattr(settings, "PRODUCTION", False) else "http"
    return f"{scheme}://{domain}{path}"


@shared_task(acks_late=True, autoretry_for=RETRYABLE_MAIL, retry_backoff=True, retry_backoff_max=600, max_retries=10)
def send_prescription_status_email(event_id: int) -> bool:
    """Tell the customer their prescription changed state; once per event.

    The e-mail names no drug and no patient (HIPAA minimum necessary): it says
    what happened and links to "My prescriptions", where the details are.
    """
    event = PrescriptionEvent.objects.select_related("prescription__customer").get(pk=event_id)
    prescription = event.prescription
    customer = prescription.customer
    if not customer.email:
        return False

    def send() -> None:
        context = {
            "customer": customer,
            "event": event,
            "prescription": prescription,
            "status_label": CUSTOMER_STATUS[PrescriptionStatus(event.to_status)][0],
            "url": _site_url(reverse("prescriptions:detail", kwargs={"public_id": prescription.public_id})),
            "pharmacy": pharmacy_details(),
        }
        subject = render_to_string("prescriptions/email/status_changed_subject.txt", context).strip()
        body = render_to_string("prescriptions/email/status_changed_body.txt", context)
        send_mail(subject, body, None, [customer.email])

    return send_once(f"prescription-event:{event.pk}", send, user=customer)


@shared_task(acks_late=True, autoretry_for=RETRYABLE_MAIL, retry_backoff=True, retry_backoff_max=600, max_retries=10)
def send_parcel_shipped_email(shipment_id: int) -> bool:
    """Tell the customer a parcel left, with the carrier's tracking link; once per parcel.

    The e-mail names no drug (an e-mail may be read by others): it gives the order number,
    how many items are in the parcel, the tracking link and the order page, where the details are.
    """
    shipment = Shipment.objects.select_related("order").get(pk=shipment_id)
    order = shipment.order
    if not order.email:
        return False

    def send() -> None:
        context = {
            "order": order,
            "shipment": shipment,
            "pharmacy": settings.RXSHOP_PHARMACY,
            "items": sum(line.quantity for line in shipment.lines.all()),
            "order_url": _site_url(reverse("customer:order", kwargs={"order_number": order.number})),
        }
        send_mail(
            subject=_("Your order %(number)s is on its way") % {"number": order.number},
            message=render_to_string("prescriptions/email/parcel_shipped.txt", context),
            from_email=None,
            recipient_list=[order.email],
        )

    return send_once(f"parcel-shipped:{shipment.pk}", send, user=order.user, email=order.email)


@shared_task(acks_late=True, autoretry_for=RETRYABLE_MAIL, retry_backoff=True, retry_backoff_max=600, max_retries=10)
def send_file_removed_email(file_id: int) -> bool:
    """Tell the customer a file was removed because a virus was found in it; once."""
    prescription_file = PrescriptionFile.objects.select_related("prescription__customer").get(pk=file_id)
    prescription = prescription_file.prescription
    customer = prescription.customer
    if not customer.email:
        return False

    def send() -> None:
        context = {
            "customer": customer,
            "file": prescription_file,
            "prescription": prescription,
            "url": _site_url(reverse("prescriptions:detail", kwargs={"public_id": prescription.public_id})),
            "pharmacy": pharmacy_details(),
        }
        subject = render_to_string("prescriptions/email/file_removed_subject.txt", context).strip()
        body = render_to_string("prescriptions/email/file_removed_body.txt", context)
        send_mail(subject, body, None, [customer.email])

    return send_once(f"prescription-file-removed:{prescription_file.pk}", send, user=customer)


@shared_task(acks_late=True, autoretry_for=RETRYABLE_SCAN, retry_backoff=True, retry_backoff_max=600, max_retries=10)
def scan_prescription_file(file_id: int) -> str:
    """Stream a stored file to clamd and record the verdict.

    Until clamd answers, the file stays "pending scan" and cannot be opened;
    an unreachable scanner makes the task retry (with backoff).
    """
    prescription_file = PrescriptionFile.objects.get(pk=file_id)
    if prescription_file.scan_status != ScanStatus.PENDING:
        return prescription_file.scan_status
    if not clamav.scanner_configured():
        services.record_scan_problem(
            prescription_file=prescription_file, detail="waiting: no virus scanner configured any more"
        )
        return prescription_file.scan_status

    if not prescription_file.stored_name or not private_storage().exists(prescription_file.stored_name):
        services.record_scan_problem(prescription_file=prescription_file, detail="stored file is missing")
        logger.error("Prescription file %s has no stored bytes to scan", file_id)
        return ScanStatus.PENDING

    def chunks():
        with private_storage().open(prescription_file.stored_name, "rb") as handle:
            while True:
                block = handle.read(clamav.CHUNK_SIZE)
                if not block:
                    return
                yield block

    try:
        result = clamav.instream(chunks())
    except clamav.ScannerError as error:
        services.record_scan_problem(
            prescription_file=prescription_file, detail=f"scanner error at {timezone.now():%Y-%m-%d %H:%M}: {error}"
        )
        logger.error("clamd gave no verdict for prescription file %s: %s", file_id, error)
        return ScanStatus.PENDING
    updated = services.record_scan_result(
        prescription_file=prescription_file,
        infected=result.infected,
        signature=result.signature,
        detail=f"clamd: {result.reply}",
    )
    return updated.scan_status


@shared_task(acks_late=True)
def expire_prescriptions() -> int:
    """Daily: verified prescriptions past their last fill date become expired."""
    return services.expire_prescriptions(today=timezone.localdate())


@shared_task(acks_late=True)
def delete_orphan_files() -> int:
    """Daily: stored files left behind by a rolled-back upload (services.delete_orphan_files),
    and the files of sent-back upload forms nobody came back for (services.delete_expired_held_files)."""
    return len(services.delete_orphan_files()) + len(services.delete_expired_held_files())


# --- The card authorisation-expiry job (prescriptions.fulfilment) --------------------------
# It decides about orders, so it lives here, above payments. The task names are the ones
# these tasks had under shop/payments/: the beat schedule and pending outbox rows hold them.


@shared_task(name="shop.payments.tasks.void_expiring_authorisations", acks_late=True)
def void_expiring_authorisations() -> int:
    """Beat, hourly: queue a void for each authorisation Stripe would soon cancel by itself (of an
    order still waiting), and a release for each card hold of an abandoned checkout. Returns how
    many orders expire."""
    ids = list(fulfilment.expiring_authorisations().values_list("pk", flat=True))
    for authorisation_id in ids:
        expire_authorisation.delay(authorisation_id)
    for authorisation_id in payment_services.abandoned_checkout_authorisations().values_list("pk", flat=True):
        payment_tasks.release_abandoned_authorisation.delay(authorisation_id)
    return len(ids)


@shared_task(
    name="shop.payments.tasks.expire_authorisation",
    acks_late=True,
    autoretry_for=(PaymentGatewayUnavailable,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def expire_authorisation(authorisation_id: int) -> bool:
    """Void one expiring authorisation, cancel its order through the door, e-mail the customer once."""
    return fulfilment.expire_authorisation(authorisation_id=authorisation_id)


# --- Refill reminders (prescriptions.refills) -------------------------------------------------------


@shared_task(acks_late=True)
def send_refill_reminders() -> int:
    """Celery beat, once a day at 09:00 in the pharmacy's time zone (CELERY_TIMEZONE):
    queue a reminder for every fill whose supply runs out soon. Safe to run twice."""
    return refills.queue_refill_reminders(today=timezone.localdate())


def _customer_phone(customer) -> str:
    """The phone number of the customer's default delivery address, if any (oscar's address book)."""
    address = customer.addresses.filter(is_default_for_shipping=True).first()
    return str(address.phone_number) if address is not None and address.phone_number else ""


@shared_task(acks_late=True, autoretry_for=RETRYABLE_MAIL, retry_backoff=True, retry_backoff_max=600, max_retries=10)
def send_refill_reminder(prescription_id: int, dispense_id: int) -> bool:
    """One reminder per fill (``refills.reminder_key``): an e-mail, and a text message when the
    customer has a phone number on their default address. Neither names the medicine or the
    patient: the customer signs in to see it. Checked again just before sending (an opt-out
    or a refill since the job ran stops it)."""
    prescription = Prescription.objects.select_related("customer", "product").get(pk=prescription_id)
    customer = prescription.customer
    today = timezone.localdate()
    if not customer.email or not refills.reminder_still_wanted(prescription, dispense_id, today=today):
        return False
    info = refills.refill_info(prescription, today=today)

    def opt_out_url(for_prescription: bool) -> str:
        token = refills.opt_out_token(
            account_id=customer.pk, prescription_id=prescription.pk if for_prescription else None
        )
        return _site_url(reverse("prescriptions:reminders-opt-out", kwargs={"token": token}))

    def send() -> None:
        context = {
            "customer": customer,
            "prescription": prescription,
            "runs_out_on": info.status.runs_out_on,
            "earliest_on": info.status.earliest_on if not info.status.may_order else None,
            "url": _site_url(reverse("prescriptions:detail", kwargs={"public_id": prescription.public_id})),
            "opt_out_prescription_url": opt_out_url(True),
            "opt_out_account_url": opt_out_url(False),
            "pharmacy": pharmacy_details(),
        }
        subject = render_to_string("prescriptions/email/refill_reminder_subject.txt", context).strip()
        body = render_to_string("prescriptions/email/refill_reminder_body.txt", context)
        send_mail(subject, body, None, [customer.email])
        phone = _customer_phone(customer)
        if phone:
            send_sms(
                phone,
                _(
                    "%(pharmacy)s: your prescription %(ref)s is due for a refill. "
                    "Sign in to refill it: %(url)s To stop these reminders use the link in our e-mail."
                )
                % {"pharmacy": pharmacy_details()["name"], "ref": prescription.reference, "url": context["url"]},
            )

    # In the customer's language (their account's choice), like the status e-mails.
    return send_once(refills.reminder_key(dispense_id), send, user=customer)


# --- Automatic refills (prescriptions.autorefill) -----------------------------------------------


@shared_task(acks_late=True)
def run_auto_refills() -> int:
    """Celery beat, once a day at 08:00 in the pharmacy's time zone (CELERY_TIMEZONE): place the
    order of every automatic refill allowed today. Safe to run twice (one order per fill)."""
    return autorefill.run_auto_refills()


@shared_task(acks_late=True, autoretry_for=RETRYABLE_MAIL, retry_backoff=True, retry_backoff_max=600, max_retries=10)
def send_auto_refill_stopped_email(auto_refill_id: int) -> bool:
    """Tell the patient their automatic refills stopped, why and what to do; once per enrolment,
    in their language. Names no medicine and no patient (the detail is on the signed-in page)."""
    enrolment = AutoRefill.objects.select_related("customer", "prescription").get(pk=auto_refill_id)
    customer = enrolment.customer
    if not customer.email or enrolment.is_active or enrolment.stop_reason == AutoRefill.StopReason.CUSTOMER:
        return False
    prescription = enrolment.prescription

    def send() -> None:
        reason = AutoRefill.StopReason(enrolment.stop_reason)
        context = {
            "customer": customer,
            "prescription": prescription,
            "reason": reason.label,
            "what_to_do": autorefill.WHAT_TO_DO[reason],
            "url": _site_url(reverse("prescriptions:detail", kwargs={"public_id": prescription.public_id})),
            "pharmacy": pharmacy_details(),
        }
        subject = render_to_string("prescriptions/email/auto_refill_stopped_subject.txt", context).strip()
        body = render_to_string("prescriptions/email/auto_refill_stopped_body.txt", context)
        send_mail(subject, body, None, [customer.email])

    return send_once(f"auto-refill-stopped:{enrolment.pk}", send, user=customer)
