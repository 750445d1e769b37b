"""A customer's own data: "download my data", and closing the account.

A pharmacy must keep its prescription and dispensing records for years after
the last fill (state pharmacy law; ``RXSHOP_RETENTION_YEARS``, 6 by default):
the prescription as received, its files, every decision and who made it, and
what was dispensed and paid. Those rows point at the customer's account with
``on_delete=PROTECT``, so an account cannot be deleted from under them.

``close_account`` therefore deletes an account only when nothing must be kept;
otherwise it closes and anonymises it: no more sign-in, no e-mail address or
name on the account, no address book, basket, wish lists, alerts or
notifications, while the pharmacy records stay, unchanged, until
``manage.py purge_past_retention`` removes them at the end of the period.

``export_customer_data`` is everything the customer can see about themselves,
as JSON: profile, addresses, patients, prescriptions with their files (described,
not attached) and their history, and orders. It leaves out what is for the
pharmacy's records only (internal reasons for decisions, transcriptions, rule
evaluations, staff notes, who opened which file).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from oscar.core.loading import get_model

from prescriptions.models import CUSTOMER_STATUS, Patient, Prescription, PrescriptionStatus
from prescriptions.pharmacy import pharmacy_details

Order = get_model("order", "Order")
UserAddress = get_model("address", "UserAddress")
Basket = get_model("basket", "Basket")
WishList = get_model("wishlists", "WishList")
ProductAlert = get_model("customer", "ProductAlert")
Notification = get_model("communication", "Notification")
Email = get_model("communication", "Email")

EXPORT_FORMAT = "rxshop-customer-data/1"


def retention_years() -> int:
    return int(getattr(settings, "RXSHOP_RETENTION_YEARS", 6))


# --- Download my data ---------------------------------------------------------------------------


def _when(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _money(value):
    return str(value) if isinstance(value, Decimal) else value


def export_customer_data(*, customer) -> dict:
    """Everything about ``customer`` that they may see, ready for ``json.dumps``."""
    addresses = UserAddress.objects.filter(user=customer).select_related("country").order_by("pk")
    patients = Patient.objects.filter(account=customer).order_by("pk")
    prescriptions = (
        Prescription.objects.filter(customer=customer)
        .select_related("patient", "product")
        .prefetch_related("files", "events")
        .order_by("created_at", "pk")
    )
    orders = (
        Order.objects.filter(user=customer)
        .select_related("shipping_address", "shipping_address__country")
        .prefetch_related("lines", "status_changes")
        .order_by("date_placed", "pk")
    )
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _when(timezone.now()),
        "pharmacy": pharmacy_details()["name"],
        "profile": {
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "date_joined": _when(customer.date_joined),
            "last_login": _when(customer.last_login),
        },
        "addresses": [_address(a) for a in addresses],
        "patients": [
            {
                "relationship": p.get_relationship_display(),
                "first_name": p.first_name,
                "last_name": p.last_name,
                "date_of_birth": _when(p.date_of_birth),
                "address": p.address_text,
                "health_information": [_profile_version(v) for v in p.profile_versions.order_by("version")],
            }
            for p in patients
        ],
        "prescriptions": [_prescription(p) for p in prescriptions],
        "orders": [_order(o) for o in orders],
    }


def _address(address) -> dict:
    return {
        "name": f"{address.first_name} {address.last_name}".strip(),
        "line1": address.line1,
        "line2": address.line2,
        "line3": address.line3,
        "city": address.line4,
        "state": address.state,
        "postcode": address.postcode,
        "country": address.country.printable_name if address.country_id else "",
        "phone": str(address.phone_number or ""),
    }


def _prescription(prescription: Prescription) -> dict:
    label, next_step = CUSTOMER_STATUS[PrescriptionStatus(prescription.status)]
    return {
        "reference": prescription.reference,
        "medicine": prescription.drug_name,
        "strength": prescription.strength,
        "dosage_form": prescription.dosage_form,
        "quantity": prescription.quantity,
        "refills_authorized": prescription.refills_authorized,
        "fills_used": prescription.fills_used,
        "expires_on": _when(prescription.expires_on),
        "patient": prescription.patient.full_name,
        "prescriber": {
            "name": prescription.prescriber_name,
            "phone": prescription.prescriber_phone,
            "email": prescription.prescriber_email,
            "address": prescription.prescriber_address,
        },
        "status": str(label),
        "what_happens_next": str(next_step),
        "message_from_the_pharmacy": prescription.message_to_customer,
        "uploaded_at": _when(prescription.created_at),
        "files": [
            {
                "name": f.original_name,
                "type": f.get_kind_display(),
                "bytes": f.size,
                "pages": f.page_count,
                "uploaded_at": _when(f.uploaded_at),
                "virus_scan": f.get_scan_status_display(),
            }
            for f in prescription.files.all()
        ],
        # The history as the customer sees it: no internal reason, no staff names.
        "history": [
            {
                "at": _when(e.created_at),
                "from": e.get_from_status_display() if e.from_status else "",
                "to": e.get_to_status_display(),
                "by": {"customer": "you", "pharmacy": "our pharmacy"}.get(e.actor_role, "automatically"),
                "message_from_the_pharmacy": e.message_to_customer,
                "your_message": e.message_from_customer,
            }
            for e in prescription.events.all()
        ],
    }


def _order(order) -> dict:
    shipping = order.shipping_address
    return {
        "number": order.number,
        "placed_at": _when(order.date_placed),
        "status": order.status,
        "currency": order.currency,
        "total": _money(order.total_incl_tax),
        "shipping": _money(order.shipping_incl_tax),
        "lines": [
            {
                "product": line.title,
                "quantity": line.quantity,
                "price": _money(line.line_price_incl_tax),
                "status": line.status,
            }
            for line in order.lines.all()
        ],
        "shipping_address": shipping.active_address_fields() if shipping else [],
        "status_history": [
            {"at": _when(c.date_created), "from": c.old_status, "to": c.new_status} for c in order.status_changes.all()
        ],
    }


# --- Closing the account ------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosedAccount:
    deleted: bool  # True: nothing had to be kept; False: closed and anonymised
    kept_prescriptions: int = 0
    kept_orders: int = 0


def must_keep(customer) -> bool:
    return (
        Prescription.objects.filter(customer=customer).exists()
        or Patient.objects.filter(account=customer).exists()
        or Order.objects.filter(user=customer).exists()
    )


@transaction.atomic
def close_account(*, customer) -> ClosedAccount:
    """The customer asked to delete their account; see the module docstring."""
    User = get_user_model()
    customer = User.objects.select_for_update().get(pk=customer.pk)
    if not must_keep(customer):
        try:
            with transaction.atomic():
                customer.delete()
            return ClosedAccount(deleted=True)
        except (ProtectedError, RestrictedError):
            pass  # a record elsewhere must be kept too: close instead
    kept = ClosedAccount(
        deleted=False,
        kept_prescriptions=Prescription.objects.filter(customer=customer).count(),
        kept_orders=Order.objects.filter(user=customer).count(),
    )
    # What is only the customer's, not the pharmacy's, goes now.
    UserAddress.objects.filter(user=customer).delete()
    Basket.objects.filter(owner=customer).exclude(status=Basket.SUBMITTED).delete()
    WishList.objects.filter(owner=customer).delete()
    ProductAlert.objects.filter(user=customer).delete()
    Notification.objects.filter(recipient=customer).delete()
    Email.objects.filter(user=customer).delete()
    closed = f"closed-account-{customer.pk}"
    customer.username = closed
    customer.email = f"{closed}@closed.invalid"
    customer.first_name = customer.last_name = ""
    customer.is_active = False
    customer.set_unusable_password()
    customer.save()
    # Orders keep the delivery address and e-mail given at the time (they are records of a
    # sale); prescriptions, patients, files and their history stay as they are.
    return kept


def _profile_version(version) -> dict:
    """One version of a patient's health information, as kept (RULES.md 6.1)."""
    return {
        "version": version.version,
        "allergy_answer": version.get_allergy_answer_display(),
        "allergies": version.allergies,
        "conditions": version.conditions,
        "medicines_from_elsewhere": version.medicines,
        "changed_by": version.changed_by_name,
        "changed_at": _when(version.changed_at),
    }
