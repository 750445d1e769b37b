"""Reads that serve the workspace's pages (STYLE.md 3).

The queue costs the same number of queries for 10 or 200,000 waiting
prescriptions: one aggregate for the counts per state, one keyset-paginated
query for the page (claims and programme come in as subqueries, the patient,
account holder, product and transcription by joins). Keyset pagination
(``created_at, id``) reads only the rows it shows, on the index
``review_rx_queue`` (see migration 0002); the counts read only the index
``review_rx_queue_states`` (migration 0003).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from oscar.core.loading import get_model

from compliance.selectors import evaluations_about_prescription
from payments.models import PaymentLogEntry, Refund
from prescriptions.models import (
    Prescription,
    PrescriptionEvent,
    PrescriptionFile,
    PrescriptionFileAccess,
    StaffDataView,
    TransferRequest,
)
from prescriptions.models import (
    PrescriptionStatus as S,
)

from .models import AuditExport, ReviewClaim, ReviewDecision, Transcription, TranscriptionChange

Product = get_model("catalogue", "Product")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
BasketLine = get_model("basket", "Line")
Order = get_model("order", "Order")
OrderLine = get_model("order", "Line")
ShippingEvent = get_model("order", "ShippingEvent")

OPEN_STATES = (S.SUBMITTED, S.IN_REVIEW, S.INFO_REQUESTED)
QUEUE_STATUSES = {
    "waiting": (S.SUBMITTED, S.IN_REVIEW),
    "answered": (S.SUBMITTED,),
    "submitted": (S.SUBMITTED,),
    "in_review": (S.IN_REVIEW,),
    "info_requested": (S.INFO_REQUESTED,),
}
CLAIM_FILTERS = ("mine", "unclaimed", "others")
# On a queryset annotated by ``queue_queryset``: the customer's answer is the last thing that happened.
ANSWERED = Q(status=S.SUBMITTED, last_from_status=S.INFO_REQUESTED)


def target_hours() -> float:
    return float(getattr(settings, "REVIEW_TARGET_HOURS", 4))


def page_size() -> int:
    return int(getattr(settings, "REVIEW_QUEUE_PAGE_SIZE", 50))


# --- The queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    status: str = "waiting"
    programme: str = ""  # a programme code, "none", or "" for any
    claim: str = ""  # "mine", "unclaimed", "others" or "" for any


ANSWERED_LABEL = "Answered — needs your look"


@dataclass(frozen=True)
class QueuePage:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None
    target: datetime.timedelta
    now: datetime.datetime
    answered_count: int = 0  # the first rows: answers to the pharmacist's questions


def encode_cursor(prescription) -> str:
    raw = json.dumps([prescription.created_at.isoformat(), prescription.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str | None) -> tuple[datetime.datetime, int] | None:
    """The (created_at, id) a cursor points at; None for a missing or malformed one."""
    if not token:
        return None
    try:
        created, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        moment = parse_datetime(created)
        if moment is None or not isinstance(pk, int):
            return None
        return moment, pk
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        return None


def _programme_values():
    return ProductAttributeValue.objects.filter(attribute__code="programme")


def _active_claims(now):
    return ReviewClaim.objects.filter(released_at__isnull=True, expires_at__gt=now)


def queue_queryset(*, user, filters: QueueFilters, now: datetime.datetime) -> QuerySet[Prescription]:
    """The filtered queue, oldest first, with what each row shows."""
    statuses = QUEUE_STATUSES.get(filters.status, QUEUE_STATUSES["waiting"])
    queryset = Prescription.objects.filter(status__in=statuses)
    if filters.programme == "none":
        coded = _programme_values().exclude(value_text="").values("product_id")
        queryset = queryset.exclude(Q(product_id__in=coded) | Q(product__parent_id__in=coded))
    elif filters.programme:
        coded = _programme_values().filter(value_text__iexact=filters.programme).values("product_id")
        queryset = queryset.filter(Q(product_id__in=coded) | Q(product__parent_id__in=coded))
    claims = _active_claims(now).filter(prescription=OuterRef("pk"))
    if filters.claim == "mine":
        queryset = queryset.filter(Exists(claims.filter(reviewer=user)))
    elif filters.claim == "unclaimed":
        queryset = queryset.filter(~Exists(claims))
    elif filters.claim == "others":
        queryset = queryset.filter(Exists(claims.exclude(reviewer=user)))
    last_event = PrescriptionEvent.objects.filter(prescription=OuterRef("pk")).order_by("-created_at", "-id")
    queryset = queryset.annotate(
        # The customer answered the pharmacist's question: the prescription is back, "Submitted",
        # but a pharmacist already looked at it and waits for this answer (issue 20.6).
        # Coalesced: a row with no event must not read as unknown (NOT NULL is not true).
        last_from_status=Coalesce(Subquery(last_event.values("from_status")[:1]), Value("")),
        answered_at=Subquery(last_event.filter(from_status=S.INFO_REQUESTED).values("created_at")[:1]),
    )
    if filters.status == "answered":
        queryset = queryset.filter(ANSWERED)
    return queryset.select_related("patient", "customer", "product").annotate(
        # The one column the row shows, not the whole transcription: and no
        # RelatedObjectDoesNotExist for a row not yet transcribed.
        transcription_version=F("transcription__version"),
        claim_reviewer_id=Subquery(claims.values("reviewer_id")[:1]),
        claim_reviewer_name=Subquery(claims.values("reviewer_name")[:1]),
        claim_expires_at=Subquery(claims.values("expires_at")[:1]),
        programme=Coalesce(
            Subquery(_programme_values().filter(product_id=OuterRef("product_id")).values("value_text")[:1]),
            Subquery(_programme_values().filter(product_id=OuterRef("product__parent_id")).values("value_text")[:1]),
        ),
    )


def review_queue(
    *,
    user,
    filters: QueueFilters,
    now: datetime.datetime | None = None,
    after: str | None = None,
    before: str | None = None,
    limit: int | None = None,
) -> QueuePage:
    """One page of the queue, oldest first, after/before a cursor (keyset
    pagination: the cost does not grow with the page number)."""
    now = now or timezone.now()
    limit = limit or page_size()
    queryset = queue_queryset(user=user, filters=filters, now=now)
    answered: list = []
    if filters.status in ("waiting", "submitted"):
        # Answers first, on the first page, the oldest answer at the top: the pharmacist asked,
        # the customer has replied, and the decision is usually a short look away. The pages
        # below list the rest, oldest upload first.
        if not after and not before:
            answered = list(queryset.filter(ANSWERED).order_by("answered_at", "id")[:limit])
        queryset = queryset.exclude(ANSWERED)
    going_back = False
    # The cursor is a row-value comparison, (created_at, id) > (c, i): PostgreSQL
    # reads it as a range of the index and stops after the page. Spelled
    # (created_at > c) OR (created_at = c AND id > i) it was not an index range:
    # the planner fetched the whole rest of the queue and sorted it (15 ms at
    # 6,000 open prescriptions, growing with the queue; 1.7 ms this way).
    key = Tuple(F("created_at"), F("id"))
    if (position := decode_cursor(after)) is not None:
        queryset = queryset.filter(TupleGreaterThan(key, position))
    elif (position := decode_cursor(before)) is not None:
        queryset = queryset.filter(TupleLessThan(key, position))
        going_back = True
    ordering = ("-created_at", "-id") if going_back else ("created_at", "id")
    rows = list(queryset.order_by(*ordering)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if going_back:
        rows.reverse()
    target = datetime.timedelta(hours=target_hours())
    for row in answered + rows:
        row.age = now - row.created_at
        row.overdue = row.age > target
        row.is_claimed = row.claim_reviewer_id is not None
        row.claimed_by_me = row.claim_reviewer_id == user.pk
        row.answered = row.status == S.SUBMITTED and row.last_from_status == S.INFO_REQUESTED
        row.status_label = ANSWERED_LABEL if row.answered else S(row.status).label
    if not rows:
        next_cursor = previous_cursor = None
    elif going_back:
        next_cursor = encode_cursor(rows[-1])
        previous_cursor = encode_cursor(rows[0]) if more else None
    else:
        next_cursor = encode_cursor(rows[-1]) if more else None
        previous_cursor = encode_cursor(rows[0]) if position is not None else None
    return QueuePage(
        rows=answered + rows,
        next_cursor=next_cursor,
        previous_cursor=previous_cursor,
        target=target,
        now=now,
        answered_count=len(answered),
    )


def next_for_review(*, user, now: datetime.datetime | None = None, limit: int = 10) -> list[Prescription]:
    """Where a pharmacist goes after "Verify and open next": the first page's unclaimed
    prescriptions in queue order (answers first), the transcribed ones (ready to decide) first,
    none of their own."""
    page = review_queue(user=user, filters=QueueFilters(status="waiting", claim="unclaimed"), now=now)
    rows = [row for row in page.rows if row.customer_id != user.pk]
    return sorted(rows, key=lambda row: row.transcription_version is None)[:limit]


def queue_counts(*, now: datetime.datetime | None = None) -> dict[str, dict[str, int]]:
    """Prescriptions per open state and how many are past the target time, in one query."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=target_hours())
    counts = {status.value: {"label": status.label, "count": 0, "overdue": 0} for status in OPEN_STATES}
    rows = (
        Prescription.objects.filter(status__in=OPEN_STATES)
        .order_by()
        .values("status")
        # Counting the indexed columns, not id: answered from review_rx_queue_states alone.
        .annotate(count=Count("status"), overdue=Count("created_at", filter=Q(created_at__lt=cutoff)))
    )
    for row in rows:
        counts[row["status"]].update(count=row["count"], overdue=row["overdue"])
    return counts


# --- Transfer in ------------------------------------------------------------------------------


def prescription_products() -> QuerySet:
    """The products a transferred prescription can be for: the catalogue's prescription
    medicines that can be bought (no parent products), by title. A child needs a prescription
    if it or its parent says so (``prescriptions.drugs``)."""
    needs = "attribute_values__attribute__code", "attribute_values__value_boolean"
    return (
        Product.objects.exclude(structure=Product.PARENT)
        .filter(
            Q(**{needs[0]: "requires_prescription", needs[1]: True})
            | Q(**{f"parent__{needs[0]}": "requires_prescription", f"parent__{needs[1]}": True})
        )
        .distinct()
        .order_by("title", "id")
    )


# --- The review screen ----------------------------------------------------------------------


def prescription_for_review(*, public_id) -> Prescription | None:
    """A prescription with what the review screen shows, or None."""
    return (
        Prescription.objects.filter(public_id=public_id)
        .select_related(
            "patient", "customer", "product", "product__parent", "transcription", "transcription__latest_evaluation"
        )
        .prefetch_related(
            Prefetch("files", queryset=PrescriptionFile.objects.order_by("uploaded_at", "id")), "transfer_requests"
        )
        .first()
    )


def active_claim(prescription, *, now: datetime.datetime | None = None) -> ReviewClaim | None:
    return _active_claims(now or timezone.now()).filter(prescription=prescription).first()


def earlier_prescriptions(prescription, *, limit: int = 20) -> list[Prescription]:
    """The same patient's other prescriptions, newest first."""
    return list(
        Prescription.objects.filter(patient_id=prescription.patient_id)
        .exclude(pk=prescription.pk)
        .select_related("product")
        .order_by("-created_at", "-id")[:limit]
    )


def lines_covered(prescription) -> dict[str, list]:
    """The basket lines and order lines that point at this prescription."""
    return {
        "basket_lines": list(
            BasketLine.objects.filter(prescription=prescription)
            .select_related("basket", "product")
            .order_by("-date_created")[:20]
        ),
        "order_lines": list(
            OrderLine.objects.filter(prescription=prescription)
            .select_related("order", "product")
            .order_by("-order__date_placed")[:20]
        ),
    }


def status_events(prescription) -> list[PrescriptionEvent]:
    return list(prescription.events.order_by("created_at", "id"))


# --- The inspector --------------------------------------------------------------------------


def find_prescription(reference: str) -> Prescription | None:
    """By its reference (``RX-1A2B3C4D``) or its full id."""
    text = (reference or "").strip().upper().removeprefix("RX-").replace("-", "").lower()
    if len(text) == 32:
        return Prescription.objects.filter(public_id=text).first()
    if len(text) != 8 or any(c not in "0123456789abcdef" for c in text):
        return None
    return Prescription.objects.filter(public_id__startswith=text).order_by("created_at").first()


def recent_decisions(*, limit: int = 50) -> list[ReviewDecision]:
    return list(
        ReviewDecision.objects.select_related("prescription", "prescription__patient").order_by("-decided_at", "-id")[
            :limit
        ]
    )


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime.datetime
    kind: str
    actor: str
    summary: str
    ip_address: str = ""
    details: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


KIND_LABELS = {
    "transfer": "Transferred in",
    "status": "Status change",
    "transcription": "Transcription change",
    "claim": "Claimed",
    "claim-ended": "Claim ended",
    "evaluation": "Compliance evaluation",
    "decision": "Decision",
    "rma": "RMA (programme authorisation)",
    "dispense": "Dispensed",
    "payment": "Payment",
    "shipment": "Shipment",
    "file-open": "File opened",
    "staff-view": "Viewed by staff",
    "export": "History exported",
}
_KIND_ORDER = {kind: n for n, kind in enumerate(KIND_LABELS)}


def _value(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


_PAGE_LABELS = {
    "dashboard:pharmacy-review": "the review screen",
    "dashboard:pharmacy-history": "this history",
    "dashboard:pharmacy-history-csv": "this history (export)",
    "dashboard:order-detail": "order",
    "dashboard:order-line-detail": "order line",
    "dashboard:order-shipping-address": "order shipping address",
    "dashboard:dispense-order": "the dispense screen",
    "dashboard:pharmacy-access-log": "the access log, for",
    "dashboard:pharmacy-access-log-csv": "the access log (export), for",
}


def _staff_views(prescription) -> list[HistoryEntry]:
    """Staff views of this prescription and of its orders (``prescriptions.audit``), one
    entry per person, day and page: the count, the times and the addresses."""
    order_numbers = list(
        OrderLine.objects.filter(prescription=prescription).values_list("order__number", flat=True).distinct()
    )
    views = (
        StaffDataView.objects.filter(Q(prescription=prescription) | Q(order_number__in=order_numbers))
        .exclude(page__in=("dashboard:order-list", "dashboard:users-index"))
        .select_related("user")
        .order_by("viewed_at", "id")
    )
    groups: dict[tuple, list[StaffDataView]] = {}
    for view in views:
        day = timezone.localtime(view.viewed_at).date()
        groups.setdefault((view.user_id, day, view.page, view.order_number), []).append(view)
    entries = []
    for (_user, day, page, order_number), rows in groups.items():
        first = rows[0]
        what = _PAGE_LABELS.get(page, page) + (f" {order_number}" if order_number else "")
        times = ", ".join(f"{timezone.localtime(r.viewed_at):%H:%M}" for r in rows)
        addresses = ", ".join(dict.fromkeys(r.ip_address or "—" for r in rows))
        entries.append(
            HistoryEntry(
                first.viewed_at,
                "staff-view",
                first.user.get_full_name() or first.user.get_username(),
                f"Viewed {what}" + (f" ({len(rows)} times on {day:%Y-%m-%d})" if len(rows) > 1 else ""),
                addresses,
                (("Times", times), ("Page", first.path)),
            )
        )
    return entries


def _file_opens(prescription) -> list[HistoryEntry]:
    """File opens grouped per person, file and day: how many times, the first and the
    last; every open (time, address, browser) is in the entry's details."""
    groups: dict[tuple, list[PrescriptionFileAccess]] = {}
    for access in (
        PrescriptionFileAccess.objects.filter(file__prescription=prescription)
        .select_related("user", "file")
        .order_by("accessed_at", "id")
    ):
        day = timezone.localtime(access.accessed_at).date()
        groups.setdefault((access.user_id, access.file_id, day), []).append(access)
    entries = []
    for (_user, _file, day), rows in groups.items():
        first, last = rows[0], rows[-1]
        times = "once" if len(rows) == 1 else f"{len(rows)} times"
        summary = f"Opened {first.file.download_name} {times} on {day:%Y-%m-%d}" + (
            f" (first {timezone.localtime(first.accessed_at):%H:%M:%S}, "
            f"last {timezone.localtime(last.accessed_at):%H:%M:%S})"
            if len(rows) > 1
            else ""
        )
        details = tuple(
            (
                f"Open {n}",
                f"{timezone.localtime(r.accessed_at):%H:%M:%S} from {r.ip_address or '—'} "
                f"({r.user_agent or 'no user agent'})",
            )
            for n, r in enumerate(rows, 1)
        )
        entries.append(
            HistoryEntry(
                first.accessed_at,
                "file-open",
                first.user.get_full_name() or first.user.get_username(),
                summary,
                ", ".join(dict.fromkeys(r.ip_address or "—" for r in rows)),
                details,
            )
        )
    return entries


def _rma_changes(prescription) -> list[HistoryEntry]:
    """The RMA as entered, then every change to it (the append-only RMA history)."""
    entries = []
    for change in prescription.rma_changes.select_related("authorisation").order_by("changed_at", "id"):
        values = change.values
        if change.version == 1:
            summary = f"RMA {values.get('number')} entered ({values.get('programme', '').upper()})"
            details = [(name.replace("_", " ").capitalize(), _value(value)) for name, value in values.items()]
        else:
            summary = f"RMA {values.get('number')} changed (version {change.version})"
            details = [
                (name.replace("_", " ").capitalize(), f"{_value(diff.get('old'))} → {_value(diff.get('new'))}")
                for name, diff in sorted(change.changes.items())
            ]
        if change.reason:
            details.append(("Why", change.reason))
        entries.append(HistoryEntry(change.changed_at, "rma", change.changed_by_name, summary, "", tuple(details)))
    return entries


def _dispenses(prescription) -> list[HistoryEntry]:
    entries = []
    for dispense in (
        prescription.dispenses.select_related("order_line__order", "authorisation", "counselling")
        .prefetch_related("packs", "label_prints")
        .order_by("dispensed_at", "id")
    ):
        details = [
            ("Order", dispense.order_line.order.number),
            ("Quantity", str(dispense.order_line.quantity)),
            (
                "Medication Guide included",
                "yes (confirmed by the pharmacist)" if dispense.medication_guide_included else "no",
            ),
            ("Evaluation", f"#{dispense.evaluation_id}"),
        ]
        if dispense.authorisation is not None:
            details.append(("RMA", dispense.authorisation.number))
        details += _fill_details(dispense)
        entries.append(
            HistoryEntry(
                dispense.dispensed_at,
                "dispense",
                dispense.pharmacist_name,
                f"Dispensed {dispense.order_line.quantity} × {dispense.order_line.title}",
                "",
                tuple(details),
            )
        )
    return entries


def _fill_details(dispense) -> list[tuple[str, str]]:
    """The packs (NDC, lot, expiry, serial), the offer to counsel and its answer, and each
    label print of a dispense (fill accuracy, prescriptions.dispensing.fill)."""
    details = [
        (
            f"Pack {n}",
            f"NDC {pack.ndc}, lot {pack.lot or '—'}, expiry {_value(pack.expires_on)}, serial {pack.serial or '—'}",
        )
        for n, pack in enumerate(dispense.packs.all(), 1)
    ]
    counselling = getattr(dispense, "counselling", None)
    if counselling is not None:
        said = f"{counselling.get_answer_display()} (offered by {counselling.offered_by}, toll-free {counselling.toll_free_number}"
        if counselling.counselled_by:
            when = (
                timezone.localtime(counselling.counselled_at).isoformat(timespec="minutes")
                if counselling.counselled_at
                else "—"
            )
            said += f"; counselled {counselling.method} by {counselling.counselled_by} at {when}"
        said += ")" + (f": {counselling.notes}" if counselling.notes else "")
        details.append(("Counselling", said))
    for printed in dispense.label_prints.all():
        details.append(
            (
                "Label reprinted" if printed.reprint else "Label printed",
                f"{timezone.localtime(printed.printed_at):%Y-%m-%d %H:%M} by {printed.printed_by_name}"
                + (f": {printed.reason}" if printed.reason else ""),
            )
        )
    return details


_PAYMENT_WORDS = {
    PaymentLogEntry.Action.AUTHORISE: "Card authorised",
    PaymentLogEntry.Action.CAPTURE: "Captured",
    PaymentLogEntry.Action.VOID: "Authorisation voided",
    PaymentLogEntry.Action.REFUND: "Refunded",
    PaymentLogEntry.Action.RECONCILE: "Reconciled with Stripe",
    PaymentLogEntry.Action.CAPTURE_FAILED: "Capture failed",
    PaymentLogEntry.Action.REFUND_FAILED: "Refund failed",
    PaymentLogEntry.Action.VOID_FAILED: "Void failed",
}


def _money_and_shipments(prescription) -> list[HistoryEntry]:
    """Capture, void and refund of the orders this prescription was filled on (with the
    amounts), and their shipments (oscar's shipping events; tracking when given)."""
    order_ids = list(OrderLine.objects.filter(prescription=prescription).values_list("order_id", flat=True).distinct())
    entries = []
    refunds = {r.stripe_refund_id: r for r in Refund.objects.filter(authorisation__order_id__in=order_ids)}
    for entry in (
        PaymentLogEntry.objects.filter(authorisation__order_id__in=order_ids)
        .exclude(action__in=(PaymentLogEntry.Action.AUTHENTICATE, PaymentLogEntry.Action.DECLINE))
        .select_related("authorisation", "actor")
        .order_by("created_at", "id")
    ):
        amount = f" ${entry.amount}" if entry.amount is not None else ""
        details = [("Order", entry.authorisation.order_number), ("From → to", f"{entry.from_state} → {entry.to_state}")]
        if entry.reason:
            details.append(("Reason", entry.reason))
        if entry.stripe_reference:
            details.append(("Stripe reference", entry.stripe_reference))
        refund = refunds.get(entry.stripe_reference)
        if refund is not None:
            details.append(("Refund reason code", refund.get_reason_code_display()))
            if refund.shipping_amount:
                details.append(("Of which shipping", f"${refund.shipping_amount}"))
        actor = (entry.actor.get_full_name() or entry.actor.get_username()) if entry.actor else "system"
        entries.append(
            HistoryEntry(
                entry.created_at,
                "payment",
                actor,
                f"{_PAYMENT_WORDS.get(entry.action, entry.get_action_display())}{amount}",
                "",
                tuple(details),
            )
        )
    for event in (
        ShippingEvent.objects.filter(order_id__in=order_ids)
        .select_related("event_type", "order")
        .order_by("date_created", "id")
    ):
        details = [("Order", event.order.number)]
        if event.notes:
            details.append(("Tracking / notes", event.notes))
        entries.append(
            HistoryEntry(
                event.date_created,
                "shipment",
                "shipping",
                f"{event.event_type.name}" + (f" — {event.notes}" if event.notes else ""),
                "",
                tuple(details),
            )
        )
    return entries


def _transfers_in(prescription) -> list[HistoryEntry]:
    """The transfer the prescription came by, with the records 21 CFR 1306.25(b) asks for."""
    entries = []
    for transfer in TransferRequest.objects.filter(prescription=prescription).order_by("worked_at", "id"):
        details = (
            ("Transfer request", transfer.reference),
            ("Transferring pharmacy", f"{transfer.pharmacy_name}, {transfer.pharmacy_phone}"),
            ("Their address", _value(transfer.transferring_pharmacy_address)),
            ("Their DEA registration", _value(transfer.transferring_pharmacy_dea)),
            ("Transferring pharmacist", transfer.transferring_pharmacist),
            ("Their prescription number", transfer.prescription_number),
            ("Date written", _value(transfer.date_written)),
            ("Refills authorised", _value(transfer.refills_authorized)),
            ("Fills remaining", _value(transfer.fills_remaining)),
            ("First dispensed there", _value(transfer.first_filled_on)),
            ("Electronic", _value(transfer.electronic)),
        )
        entries.append(
            HistoryEntry(
                transfer.worked_at or transfer.requested_at,
                "transfer",
                transfer.worked_by_name,
                f"Transferred in from {transfer.pharmacy_name} (their Rx #{transfer.prescription_number})",
                "",
                details,
            )
        )
    return entries


def prescription_history(prescription) -> list[HistoryEntry]:
    """Everything that happened to a prescription, in time order: status
    events, transcription changes (old → new), claims, compliance evaluations
    (stage, result, findings and fingerprint: upload/review, checkout,
    dispense, ship), decisions (with overrides), the RMA as entered and each
    change, dispenses (Medication Guide), capture/void/refund with amounts,
    shipments, staff file opens (grouped per person and day) and history
    exports. A fixed number of queries, whatever the length of the history."""
    entries: list[HistoryEntry] = []
    for event in prescription.events.order_by("created_at", "id"):
        details = [
            ("From", event.get_from_status_display() or "—"),
            ("To", event.get_to_status_display()),
            ("Role", event.get_actor_role_display()),
        ]
        if event.reason_code:
            details.append(("Reason code", event.reason_code))
        if event.reason:
            details.append(("Reason (pharmacy)", event.reason))
        if event.message_to_customer:
            details.append(("Message to customer", event.message_to_customer))
        if event.message_from_customer:
            details.append(("Message from customer", event.message_from_customer))
        entries.append(
            HistoryEntry(
                event.created_at,
                "status",
                event.actor_name,
                f"{event.get_from_status_display() or 'New'} → {event.get_to_status_display()}",
                "",
                tuple(details),
            )
        )
    for change in TranscriptionChange.objects.filter(prescription=prescription).order_by("changed_at", "id"):
        details = tuple(
            (name, f"{_value(diff.get('old'))} → {_value(diff.get('new'))}")
            for name, diff in sorted(change.changes.items())
        )
        entries.append(
            HistoryEntry(
                change.changed_at,
                "transcription",
                change.changed_by_name,
                f"Version {change.version}: {len(change.changes)} field(s) changed",
                change.ip_address or "",
                details,
            )
        )
    for claim in ReviewClaim.objects.filter(prescription=prescription).order_by("claimed_at", "id"):
        entries.append(
            HistoryEntry(
                claim.claimed_at,
                "claim",
                claim.reviewer_name,
                "Opened for review (claimed)",
                claim.ip_address or "",
                (("Lapses at", timezone.localtime(claim.expires_at).isoformat(timespec="minutes")),),
            )
        )
        if claim.released_at is not None:
            entries.append(
                HistoryEntry(
                    claim.released_at,
                    "claim-ended",
                    claim.reviewer_name,
                    claim.get_release_reason_display(),
                    "",
                )
            )
    # At every stage (review, checkout, dispense): found by the prescription, not by spelling.
    for evaluation in evaluations_about_prescription(prescription.pk).order_by("created_at", "id"):
        actor = (evaluation.actor.get_full_name() or evaluation.actor.get_username()) if evaluation.actor else "system"
        details = [
            ("Evaluation", f"#{evaluation.pk}"),
            ("Stage", evaluation.stage),
            ("Subject", evaluation.subject),
            ("Fingerprint (SHA-256 of the facts)", evaluation.fingerprint),
        ]
        details += [
            (f"{f.severity.value.upper()} {f.rule_id}", f"{f.pharmacist_message} ({f.source})")
            for f in evaluation.findings
        ]
        entries.append(
            HistoryEntry(
                evaluation.created_at,
                "evaluation",
                actor,
                f"{evaluation.stage}: {'passed' if evaluation.passed else 'blocked'} "
                f"({len(evaluation.blocks)} block, {len(evaluation.warnings)} warn)",
                "",
                tuple(details),
            )
        )
    for decision in ReviewDecision.objects.filter(prescription=prescription).order_by("decided_at", "id"):
        details = [("Outcome", decision.get_outcome_display()), ("Reason code", decision.reason_code or "—")]
        if decision.evaluation_id:
            details.append(("Evaluation", f"#{decision.evaluation_id} {decision.evaluation_fingerprint}"))
        if decision.note:
            details.append(("Note", decision.note))
        if decision.message_to_customer:
            details.append(("Message to customer", decision.message_to_customer))
        for override in decision.warning_overrides:
            severity = override.get("severity", "warn").upper()
            details.append((f"Override {severity} {override['rule_id']}", override["override_reason"]))
        if decision.outcome == "verified":
            details.append(
                (
                    "Authorised",
                    f"quantity {_value(decision.quantity_authorized)}, "
                    f"refills {_value(decision.refills_authorized)}, "
                    f"last fill {_value(decision.expires_on)}",
                )
            )
        entries.append(
            HistoryEntry(
                decision.decided_at,
                "decision",
                decision.decided_by_name,
                decision.get_outcome_display(),
                decision.ip_address or "",
                tuple(details),
            )
        )
    entries += _transfers_in(prescription)
    entries += _file_opens(prescription)
    entries += _rma_changes(prescription)
    entries += _dispenses(prescription)
    entries += _money_and_shipments(prescription)
    entries += _staff_views(prescription)
    for export in AuditExport.objects.filter(prescription=prescription).order_by("exported_at", "id"):
        entries.append(
            HistoryEntry(
                export.exported_at,
                "export",
                export.exported_by_name,
                f"Exported {export.row_count} rows",
                export.ip_address or "",
                (("SHA-256", export.sha256),),
            )
        )
    entries.sort(key=lambda e: (e.at, _KIND_ORDER.get(e.kind, 99)))
    return entries


# --- Transcription: what is known before typing, and what differs from the customer's entry ----

FROM_CUSTOMER = "from the customer"
FROM_RECORDS = "from our records"
_TITLES = frozenset({"dr", "md", "do", "np", "pa", "pac", "aprn", "mr", "mrs", "ms", "prof"})


@dataclass(frozen=True)
class Prefill:
    """Values for an empty transcription form and where each came from (issue 20.11)."""

    values: dict
    sources: dict  # field name -> FROM_CUSTOMER | FROM_RECORDS


def transcription_prefill(prescription) -> Prefill:
    """What the technician need not type: the prescriber, quantity and refills the customer
    entered with the upload; drug, strength and form as recorded for the product; the NPI
    from this prescriber's earlier transcriptions. The technician checks each against the
    document before saving."""
    values, sources = {}, {}

    def take(name, value, source):
        if value not in (None, ""):
            values[name], sources[name] = value, source

    take("prescriber_name", prescription.prescriber_name, FROM_CUSTOMER)
    take("prescriber_address", prescription.prescriber_address, FROM_CUSTOMER)
    take("quantity", prescription.quantity, FROM_CUSTOMER)
    take("refills", prescription.refills_authorized, FROM_CUSTOMER)
    take("drug_name", prescription.drug_name, FROM_RECORDS)
    take("strength", prescription.strength, FROM_RECORDS)
    take("dosage_form", prescription.dosage_form, FROM_RECORDS)
    wanted = prescriber_key(prescription.prescriber_name)
    if wanted:
        earlier = (
            Transcription.objects.exclude(prescription=prescription)
            .exclude(prescriber_npi="")
            .filter(prescriber_name__icontains=max(wanted, key=len))
            .order_by("-updated_at")
            .values_list("prescriber_name", "prescriber_npi")[:50]
        )
        npi = next((n for name, n in earlier if prescriber_key(name) == wanted), "")
        take("prescriber_npi", npi, FROM_RECORDS)
    return Prefill(values=values, sources=sources)


def prescriber_key(name: str) -> frozenset[str]:
    """A prescriber's name without titles, punctuation or order: "Dr. Jane Smith" and
    "Jane Smith, MD" are the same person on paper."""
    words = "".join(c if c.isalnum() else " " for c in (name or "").casefold()).split()
    return frozenset(w for w in words if w not in _TITLES)


@dataclass(frozen=True)
class Difference:
    label: str
    customer_entered: str
    transcribed: str


def transcription_differences(prescription, transcription) -> list[Difference]:
    """Where the transcription (what the document says) differs from what the customer entered
    with the upload: a different prescriber, quantity or refills is worth a second look."""
    if transcription is None or not transcription.version:
        return []
    differences = []
    if transcription.prescriber_name and prescriber_key(transcription.prescriber_name) != prescriber_key(
        prescription.prescriber_name
    ):
        differences.append(Difference("Prescriber", prescription.prescriber_name, transcription.prescriber_name))
    for label, entered, transcribed in (
        ("Quantity", prescription.quantity, transcription.quantity),
        ("Refills", prescription.refills_authorized, transcription.refills),
    ):
        if transcribed is not None and entered != transcribed:
            differences.append(Difference(label, str(entered), str(transcribed)))
    return differences


# --- The access log (the inspector) ----------------------------------------------------------------
#
# Every logged look at a patient's data, newest first: the staff page views
# (``StaffDataView``, prescriptions.audit) and the prescription file opens
# (``PrescriptionFileAccess``), as one list. Two keyset-paginated reads, one per
# log, each on its time index (``viewed_at``, ``accessed_at``), merged here: the
# cost of a page does not grow with the log or the page number. A row's place is
# (time, log, id), the log ranking file opens (0) before page views (1) at the
# same instant.

VIEW, FILE_OPEN = 1, 0


@dataclass(frozen=True)
class AccessLogFilters:
    staff_id: int | None = None
    customer_id: int | None = None
    order_number: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


@dataclass
class AccessLogRow:
    at: datetime.datetime
    log: int  # VIEW or FILE_OPEN
    id: int
    staff: object
    what: str
    path: str
    prescription: Prescription | None
    order_number: str
    customer_id: int | None
    ip_address: str | None
    user_agent: str
    customer: object = None  # the account, filled in per page

    @property
    def key(self) -> tuple:
        return (self.at, self.log, self.id)


@dataclass(frozen=True)
class AccessLogPage:
    rows: list[AccessLogRow]
    next_cursor: str | None  # older rows
    previous_cursor: str | None  # newer rows


def encode_access_cursor(row: AccessLogRow) -> str:
    raw = json.dumps([row.at.isoformat(), row.log, row.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_access_cursor(token: str | None) -> tuple[datetime.datetime, int, int] | None:
    if not token:
        return None
    try:
        moment, log, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        moment = parse_datetime(moment)
        if moment is None or log not in (VIEW, FILE_OPEN) or not isinstance(pk, int):
            return None
        return moment, log, pk
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        return None


def _local_day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _order_prescriptions(order_number: str):
    return OrderLine.objects.filter(order__number=order_number, prescription__isnull=False).values("prescription_id")


def _filtered_views(filters: AccessLogFilters) -> QuerySet[StaffDataView]:
    views = StaffDataView.objects.all()
    if filters.staff_id is not None:
        views = views.filter(user_id=filters.staff_id)
    if filters.customer_id is not None:
        # Their account, their orders (the searches for one of them too) and their prescriptions.
        views = views.filter(
            Q(customer_id=filters.customer_id)
            | Q(prescription__customer_id=filters.customer_id)
            | Q(order_number__in=Order.objects.filter(user_id=filters.customer_id).values("number"))
        )
    if filters.order_number:
        views = views.filter(
            Q(order_number=filters.order_number) | Q(prescription_id__in=_order_prescriptions(filters.order_number))
        )
    return views


def _filtered_file_opens(filters: AccessLogFilters) -> QuerySet[PrescriptionFileAccess]:
    opens = PrescriptionFileAccess.objects.all()
    if filters.staff_id is not None:
        opens = opens.filter(user_id=filters.staff_id)
    if filters.customer_id is not None:
        opens = opens.filter(file__prescription__customer_id=filters.customer_id)
    if filters.order_number:
        opens = opens.filter(file__prescription_id__in=_order_prescriptions(filters.order_number))
    return opens


def _keyset(queryset, time_field: str, log: int, filters: AccessLogFilters, position, older: bool):
    """One log's rows after ``position`` in the direction asked, on its time index."""
    if filters.date_from:
        queryset = queryset.filter(**{f"{time_field}__gte": _local_day_start(filters.date_from)})
    if filters.date_to:
        queryset = queryset.filter(**{f"{time_field}__lt": _local_day_start(filters.date_to + datetime.timedelta(1))})
    if position is not None:
        at, other_log, pk = position
        if log == other_log:
            key, bound = Tuple(F(time_field), F("id")), (at, pk)
            queryset = queryset.filter(TupleLessThan(key, bound) if older else TupleGreaterThan(key, bound))
        elif (log < other_log) == older:  # same instant still on this side of the cursor
            queryset = queryset.filter(**{f"{time_field}__lte" if older else f"{time_field}__gte": at})
        else:
            queryset = queryset.filter(**{f"{time_field}__lt" if older else f"{time_field}__gt": at})
    direction = "-" if older else ""
    return queryset.order_by(f"{direction}{time_field}", f"{direction}id")


def _view_rows(views) -> list[AccessLogRow]:
    from prescriptions.audit import PAGE_LABELS

    return [
        AccessLogRow(
            at=v.viewed_at,
            log=VIEW,
            id=v.pk,
            staff=v.user,
            what=PAGE_LABELS.get(v.page, v.page),
            path=v.path,
            prescription=v.prescription,
            order_number=v.order_number,
            customer_id=v.customer_id,
            ip_address=v.ip_address,
            user_agent=v.user_agent,
        )
        for v in views
    ]


def _file_rows(opens) -> list[AccessLogRow]:
    from prescriptions.audit import FILE_OPEN_LABEL

    return [
        AccessLogRow(
            at=a.accessed_at,
            log=FILE_OPEN,
            id=a.pk,
            staff=a.user,
            what=f"{FILE_OPEN_LABEL}: {a.file.original_name}" if a.file.original_name else FILE_OPEN_LABEL,
            path="",
            prescription=a.file.prescription,
            order_number="",
            customer_id=a.file.prescription.customer_id,
            ip_address=a.ip_address,
            user_agent=a.user_agent,
        )
        for a in opens
    ]


def access_log(
    *, filters: AccessLogFilters, after: str | None = None, before: str | None = None, limit: int | None = None
) -> AccessLogPage:
    """One page of the access log, newest first: ``after`` a cursor are older rows,
    ``before`` one newer rows. Three queries whatever the size of the logs: the
    page views, the file opens, the customers the page names."""
    limit = limit or page_size()
    position, older = decode_access_cursor(after), True
    if position is None and (position := decode_access_cursor(before)) is not None:
        older = False
    views = _keyset(_filtered_views(filters), "viewed_at", VIEW, filters, position, older)
    opens = _keyset(_filtered_file_opens(filters), "accessed_at", FILE_OPEN, filters, position, older)
    rows = _view_rows(views.select_related("user", "prescription")[: limit + 1]) + _file_rows(
        opens.select_related("user", "file", "file__prescription")[: limit + 1]
    )
    rows.sort(key=lambda row: row.key, reverse=older)
    more = len(rows) > limit
    rows = rows[:limit]
    if not older:
        rows.reverse()
    customers = get_user_model().objects.in_bulk({row.customer_id for row in rows if row.customer_id is not None})
    for row in rows:
        row.customer = customers.get(row.customer_id)
    if not rows:
        return AccessLogPage(rows=[], next_cursor=None, previous_cursor=None)
    if older:
        next_cursor = encode_access_cursor(rows[-1]) if more else None
        previous_cursor = encode_access_cursor(rows[0]) if position is not None else None
    else:
        next_cursor = encode_access_cursor(rows[-1])
        previous_cursor = encode_access_cursor(rows[0]) if more else None
    return AccessLogPage(rows=rows, next_cursor=next_cursor, previous_cursor=previous_cursor)


def access_log_rows(*, filters: AccessLogFilters, batch: int = 500):
    """Every row of the access log, newest first, read a page at a time (the CSV export)."""
    cursor = None
    while True:
        page = access_log(filters=filters, after=cursor, limit=batch)
        yield from page.rows
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
