"""Every staff view of a patient's data is recorded (HIPAA Security Rule, audit
controls, 45 CFR 164.312(b)): who, when, which page and whose data, from where.

The pages are named in one table, keyed by URL name, and recorded by one
middleware once the page has been shown (a 200): oscar's dashboard views
(orders, customers) are oscar's own and stay unforked, and a page added to the
table is audited without touching its view. A customer's own pages are not in
the table: a customer reading their own record is not a disclosure.
File opens have their own log (``PrescriptionFileAccess``, prescriptions.views).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from oscar.core.loading import get_model

from infra.clientip import client_ip

from .models import Prescription, StaffDataView

Order = get_model("order", "Order")


@dataclass(frozen=True)
class Subject:
    prescription: Prescription | None = None
    order_number: str = ""
    customer_id: int | None = None


def _prescription(request, kwargs) -> Subject | None:
    prescription = Prescription.objects.filter(public_id=kwargs.get("public_id")).only("pk", "customer_id").first()
    if prescription is None:
        return None
    return Subject(prescription=prescription, customer_id=prescription.customer_id)


def _order(request, kwargs) -> Subject | None:
    number = kwargs.get("number") or kwargs.get("order_number") or ""
    order = Order.objects.filter(number=number).only("number", "user_id").first()
    if order is None:
        return None
    return Subject(order_number=order.number, customer_id=order.user_id)


def _customer(request, kwargs) -> Subject | None:
    return Subject(customer_id=int(kwargs["pk"]))


_NOT_A_SEARCH = {"page", "sort", "dir", "per_page"}


def _search(request, kwargs) -> Subject | None:
    """A list of orders or customers is recorded when it is searched or exported: the
    query says whom the member of staff was looking for."""
    if not set(request.GET) - _NOT_A_SEARCH:
        return None
    order_number = request.GET.get("order_number", "").strip()
    return Subject(order_number=order_number[:128])


def find_customer_id(text: str) -> int | None:
    """The account a search names, by its id or its e-mail address (any letter case)."""
    text = (text or "").strip()
    if not text:
        return None
    User = get_user_model()
    if text.isdigit():
        if len(text) > 9:  # beyond any id (and an integer column)
            return None
        return User.objects.filter(pk=int(text)).values_list("pk", flat=True).first()
    return User.objects.filter(email__iexact=text).order_by("pk").values_list("pk", flat=True).first()


def _access_log(request, kwargs) -> Subject | None:
    """The inspector's access log shows whose data was seen by whom: every opening is
    itself a view, recorded with the customer and order it was filtered on."""
    return Subject(
        order_number=request.GET.get("order_number", "").strip()[:128],
        customer_id=find_customer_id(request.GET.get("customer", "")),
    )


AUDITED_PAGES: dict[str, Callable] = {
    "dashboard:pharmacy-review": _prescription,
    "dashboard:pharmacy-history": _prescription,
    "dashboard:pharmacy-history-csv": _prescription,
    "dashboard:order-detail": _order,
    "dashboard:order-line-detail": _order,
    "dashboard:order-shipping-address": _order,
    "dashboard:dispense-order": _order,
    "dashboard:user-detail": _customer,
    "dashboard:order-list": _search,
    "dashboard:users-index": _search,
    "dashboard:pharmacy-access-log": _access_log,
    "dashboard:pharmacy-access-log-csv": _access_log,
}

# What each audited page is, as the inspector's access log names it.
PAGE_LABELS = {
    "dashboard:pharmacy-review": "Review screen",
    "dashboard:pharmacy-history": "Prescription history",
    "dashboard:pharmacy-history-csv": "Prescription history (CSV export)",
    "dashboard:order-detail": "Order",
    "dashboard:order-line-detail": "Order line",
    "dashboard:order-shipping-address": "Order shipping address",
    "dashboard:dispense-order": "Dispense screen",
    "dashboard:user-detail": "Customer account",
    "dashboard:order-list": "Order search",
    "dashboard:users-index": "Customer search",
    "dashboard:pharmacy-access-log": "Access log",
    "dashboard:pharmacy-access-log-csv": "Access log (CSV export)",
}
FILE_OPEN_LABEL = "Prescription file opened"


@transaction.atomic
def record_staff_view(
    *, user, page: str, path: str, subject: Subject, ip_address: str | None, user_agent: str
) -> StaffDataView:
    return StaffDataView.objects.create(
        user=user,
        page=page,
        path=path[:500],
        prescription=subject.prescription,
        order_number=subject.order_number,
        customer_id=subject.customer_id,
        ip_address=ip_address,
        user_agent=user_agent[:255],
    )


class StaffDataViewMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        if (
            match is None
            or response.status_code != 200
            or user is None
            or not user.is_authenticated
            or match.view_name not in AUDITED_PAGES
        ):
            return response
        subject = AUDITED_PAGES[match.view_name](request, match.kwargs)
        if subject is not None:
            record_staff_view(
                user=user,
                page=match.view_name,
                path=request.get_full_path(),
                subject=subject,
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        return response
