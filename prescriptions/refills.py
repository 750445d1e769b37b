"""Refills: what is left on a prescription and from when (for "My prescriptions", the order
page and the pharmacy's dashboard), the one-click Refill, and the daily reminder job.

Whether a refill may be ordered is decided by ``compliance.core.refills`` (pure: the
refill-too-soon share by schedule, Schedule II and programme "no refills", expiry), fed
by ``prescriptions.facts.refill_facts``; the fills already promised to open orders are
counted by ``prescriptions.selectors.open_order_holds``, the same count the checkout gate
uses. The Refill button only fills the basket: the order then goes through the checkout
gate like any other (coverage, the compliance rules at CHECKOUT, payment), and the
pharmacist's dispense step.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import DateField, Exists, F, Func, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.core.refills import RefillStatus, refill_status
from compliance.services import compliance_config
from infra import outbox
from infra.models import SentNotification

from .drugs import drug_info
from .exceptions import RefillRefused
from .facts import LastFill, last_fills, refill_facts
from .models import Prescription, RefillReminderOptOut
from .models import PrescriptionStatus as S
from .selectors import open_order_holds
from .wording import customer_wording

# Statuses a pharmacist verified: the ones with something to say about refills.
_VERIFIED_ONCE = (S.VERIFIED, S.USED_UP, S.EXPIRED)
OPT_OUT_SALT = "prescriptions.refills.reminder-opt-out"


def reminder_days() -> int:
    """Remind when the last fill's supply runs out within this many days (RXSHOP_REFILL_REMINDER_DAYS)."""
    return int(getattr(settings, "RXSHOP_REFILL_REMINDER_DAYS", 7))


@dataclass(frozen=True)
class RefillInfo:
    """One prescription's refill picture, for a page."""

    prescription: Prescription
    status: RefillStatus
    packs: int  # packs the Refill button puts in the basket (the quantity per fill)
    last_fill: LastFill | None = None
    reminders_on: bool = True

    @property
    def first_fill(self) -> bool:
        return self.prescription.fills_used == 0


def _packs(prescription: Prescription) -> int:
    """Packs of the product making up one fill, never more units than the prescription allows."""
    pack_size = drug_info(prescription.product).pack_size or 1
    return prescription.quantity // pack_size


def refill_infos(prescriptions, *, today: datetime.date | None = None) -> dict[int, RefillInfo]:
    """The refill picture of each verified (or used-up, expired) prescription, by id: a
    query for the open orders holding fills, one for the last fills, one for opt-outs."""
    today = today or timezone.localdate()
    chosen = [p for p in prescriptions if p.status in _VERIFIED_ONCE]
    if not chosen:
        return {}
    holds = open_order_holds(p.pk for p in chosen)
    fills = last_fills(chosen)
    opted_out = _opted_out({p.customer_id for p in chosen}, {p.pk for p in chosen})
    config = compliance_config()
    infos = {}
    for prescription in chosen:
        facts = refill_facts(
            prescription, fills_held=len(holds.get(prescription.pk, [])), last_fill=fills.get(prescription.pk)
        )
        infos[prescription.pk] = RefillInfo(
            prescription=prescription,
            status=refill_status(facts, today=today, config=config),
            packs=_packs(prescription),
            last_fill=fills.get(prescription.pk),
            reminders_on=(prescription.customer_id, None) not in opted_out
            and (prescription.customer_id, prescription.pk) not in opted_out,
        )
    return infos


def refill_info(prescription: Prescription, *, today: datetime.date | None = None) -> RefillInfo | None:
    return refill_infos([prescription], today=today).get(prescription.pk)


def account_reminders_on(account) -> bool:
    return not RefillReminderOptOut.objects.filter(account=account, prescription__isnull=True).exists()


def _opted_out(account_ids, prescription_ids) -> set[tuple[int, int | None]]:
    rows = RefillReminderOptOut.objects.filter(account_id__in=account_ids).filter(
        Q(prescription__isnull=True) | Q(prescription_id__in=prescription_ids)
    )
    return set(rows.values_list("account_id", "prescription_id"))


# --- The Refill button ---------------------------------------------------------------------------


@transaction.atomic
def add_refill_to_basket(*, basket, prescription: Prescription, customer, today: datetime.date | None = None):
    """Put the next fill of ``prescription`` in the basket: its product, one fill's quantity,
    the line tied to the prescription. Refused (``RefillRefused``, with the reason the
    customer reads) when no refill may be ordered today. Returns the basket line."""
    if prescription.customer_id != getattr(customer, "pk", None) or basket.owner_id != customer.pk:
        raise RefillRefused(_("That prescription is not on your account."))
    info = refill_info(prescription, today=today)
    if info is None or not info.status.may_order:
        raise RefillRefused(
            customer_wording(info.status.message) if info is not None else _("This prescription is not verified yet.")
        )
    if info.packs < 1:
        raise RefillRefused(_("Please call our pharmacist: this prescription's quantity is less than one pack."))
    product = prescription.product
    if not basket.strategy.fetch_for_product(product).availability.is_purchase_permitted(info.packs)[0]:
        raise RefillRefused(
            _("%(product)s cannot be ordered at the moment; please call our pharmacist.")
            % {"product": product.get_title()}
        )
    lines = [line for line in basket.all_lines() if line.product_id == product.pk]
    if lines:
        line = lines[0]
        for extra in lines[1:]:  # one line per medicine: the gate counts one fill per line
            extra.delete()
        line.quantity = info.packs
        line.prescription = prescription
        line.save(update_fields=["quantity", "prescription"])
    else:
        line, _created = basket.add_product(product, info.packs)
        line.prescription = prescription
        line.save(update_fields=["prescription"])
    basket.reset_offer_applications()
    return line


# --- Reminders -------------------------------------------------------------------------------------


def opt_out_token(*, account_id: int, prescription_id: int | None) -> str:
    """What the e-mail's one-click opt-out link carries (signed; no expiry: an old e-mail still works)."""
    return signing.dumps({"a": account_id, "p": prescription_id}, salt=OPT_OUT_SALT)


def read_opt_out_token(token: str) -> tuple[int, int | None] | None:
    try:
        data = signing.loads(token, salt=OPT_OUT_SALT)
        return int(data["a"]), (int(data["p"]) if data.get("p") is not None else None)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def set_reminders(*, account, prescription: Prescription | None, on: bool) -> None:
    """Turn refill reminders on or off for one prescription of ``account`` or (None) for the account."""
    if prescription is not None and prescription.customer_id != account.pk:
        raise RefillRefused(_("That prescription is not on your account."))
    rows = RefillReminderOptOut.objects.filter(account=account, prescription=prescription)
    if on:
        rows.delete()
        return
    if rows.exists():
        return
    try:
        with transaction.atomic():
            RefillReminderOptOut.objects.create(account=account, prescription=prescription)
    except IntegrityError:  # the same click twice at once
        pass


def products_with_drug_facts(lookup: str = "product") -> Prefetch:
    """The prescriptions' products (``lookup``) with their drug facts (``prescriptions.drugs``) in
    two queries for any number of rows, as "My prescriptions" reads them, not two per row."""
    product = apps.get_model("catalogue", "Product")
    return Prefetch(lookup, queryset=product.objects.select_related("parent").prefetch_attribute_values())


def reminder_key(dispense_id: int) -> str:
    """One reminder per fill: the send-once key of the reminder about the fill ``dispense_id``."""
    return f"refill-reminder:{dispense_id}"


def reminders_due(*, today: datetime.date, days_ahead: int | None = None) -> list[tuple[int, int]]:
    """(prescription id, last dispense id) of every reminder that should go out on ``today``:
    a verified prescription whose last fill's supply runs out within ``days_ahead`` days, with
    a refill it may order (now or when allowed), no opt-out, and no reminder for that fill yet."""
    days_ahead = reminder_days() if days_ahead is None else days_ahead
    account_out = RefillReminderOptOut.objects.filter(account_id=OuterRef("customer_id"), prescription__isnull=True)
    candidates = list(
        Prescription.objects.filter(status=S.VERIFIED, fills_used__gte=1)
        .exclude(Exists(account_out))
        .exclude(reminder_opt_outs__isnull=False)
        .select_related("transcription")
        .prefetch_related(products_with_drug_facts())
        .order_by("pk")
    )
    due = []
    for info in refill_infos(candidates, today=today).values():
        runs_out = info.status.runs_out_on
        if info.last_fill is None or not info.last_fill.dispense_id or not info.status.may_remind or runs_out is None:
            continue
        if (runs_out - today).days > days_ahead:
            continue
        due.append((info.prescription.pk, info.last_fill.dispense_id))
    sent = set(SentNotification.objects.filter(key__in=[reminder_key(d) for _, d in due]).values_list("key", flat=True))
    return sorted((p, d) for p, d in due if reminder_key(d) not in sent)


def queue_refill_reminders(*, today: datetime.date | None = None) -> int:
    """The daily job: queue one reminder task per due fill (through the outbox). Run twice,
    it queues nothing new once the first run's reminders are sent, and a task queued twice
    still sends once (``infra.notifications.send_once`` on the fill's key)."""
    today = today or timezone.localdate()
    due = reminders_due(today=today)
    with transaction.atomic():
        for prescription_id, dispense_id in due:
            outbox.enqueue("prescriptions.tasks.send_refill_reminder", prescription_id, dispense_id)
    return len(due)


def reminder_still_wanted(prescription: Prescription, dispense_id: int, *, today: datetime.date) -> bool:
    """Checked again by the task just before sending: nothing changed since the job chose it."""
    if RefillReminderOptOut.objects.filter(
        Q(prescription__isnull=True) | Q(prescription=prescription), account_id=prescription.customer_id
    ).exists():
        return False
    info = refill_info(prescription, today=today)
    return (
        info is not None
        and info.last_fill is not None
        and info.last_fill.dispense_id == dispense_id
        and info.status.may_remind
        and prescription.status == S.VERIFIED
    )


# --- The pharmacy's view ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UpcomingRefill:
    prescription: Prescription
    info: RefillInfo
    runs_out_on: datetime.date
    days_left: int
    since_last_fill: int


class _AddDays(Func):
    """A date plus a whole number of days, in SQL (PostgreSQL: ``date + integer``; SQLite: ``date()``)."""

    output_field = DateField()

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" + ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="date(%(expressions)s || ' days')", arg_joiner=", '+' || ", **extra
        )


def _refill_candidates(*, today: datetime.date, days_ahead: int):
    """Verified prescriptions, filled here at least once, with a fill left and not expired, whose
    last fill's supply runs out by ``today + days_ahead``: in SQL, with ``runs_out_on`` annotated
    the way ``facts.last_fills`` and ``compliance.core.refills.supply_runs_out_on`` compute it (the
    latest dispense's day in the pharmacy's time zone, plus its days' supply, the programme's
    authorised one else the transcription's, minus one). Only a necessary condition: the refill
    picture (``refill_infos``) still decides each row."""
    dispense = apps.get_model("dispensing", "Dispense")
    latest = dispense.objects.filter(prescription_id=OuterRef("pk")).order_by("-dispensed_at", "-id")
    tz = timezone.get_current_timezone()
    return (
        Prescription.objects.filter(status=S.VERIFIED, fills_used__gte=1, fills_used__lte=F("refills_authorized"))
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .annotate(
            _last_fill_on=Subquery(latest.annotate(on=TruncDate("dispensed_at", tzinfo=tz)).values("on")[:1]),
            _last_days=Coalesce(
                Subquery(latest.values("authorisation__days_supply")[:1]), F("transcription__days_supply")
            ),
        )
        .filter(_last_fill_on__isnull=False, _last_days__gte=1)
        .annotate(_runs_out_on=_AddDays(F("_last_fill_on"), F("_last_days") - 1))
        .filter(_runs_out_on__lte=today + datetime.timedelta(days=days_ahead))
    )


UPCOMING_PAGE = 100


@dataclass(frozen=True)
class UpcomingPage:
    rows: list[UpcomingRefill]
    next_after: tuple[datetime.date, int] | None  # the keyset of the next page (None: this is the last)


def upcoming_refills_page(
    *,
    today: datetime.date | None = None,
    days_ahead: int | None = None,
    after: tuple[datetime.date, int] | None = None,
    limit: int | None = UPCOMING_PAGE,
) -> UpcomingPage:
    """Verified prescriptions with a refill possible whose last fill runs out within ``days_ahead``
    days (or already has), soonest first: who is about to run out.

    The candidates are chosen and ordered in SQL (``_refill_candidates``), so a page reads only
    its own rows, in a fixed number of queries: ``limit`` candidates (None: all) after the keyset
    ``after`` (``(runs_out_on, pk)`` of the last candidate of the page before). The refill picture
    then drops those with nothing to remind of (a fill in an open order, a programme or Schedule II
    allowing no refill), so a page may show fewer than ``limit`` rows."""
    today = today or timezone.localdate()
    days_ahead = reminder_days() if days_ahead is None else days_ahead
    candidates = _refill_candidates(today=today, days_ahead=days_ahead)
    if after is not None:
        runs_out_on, pk = after
        candidates = candidates.filter(Q(_runs_out_on__gt=runs_out_on) | Q(_runs_out_on=runs_out_on, pk__gt=pk))
    candidates = (
        candidates.select_related("patient", "transcription")
        .prefetch_related(products_with_drug_facts())
        .order_by("_runs_out_on", "pk")
    )
    chosen = list(candidates if limit is None else candidates[:limit])
    rows = []
    for info in refill_infos(chosen, today=today).values():
        runs_out = info.status.runs_out_on
        if info.last_fill is None or not info.last_fill.dispense_id or not info.status.may_remind or runs_out is None:
            continue
        days_left = (runs_out - today).days
        if days_left > days_ahead:
            continue
        rows.append(UpcomingRefill(info.prescription, info, runs_out, days_left, (today - info.last_fill.on).days))
    more = limit is not None and len(chosen) == limit
    return UpcomingPage(
        rows=sorted(rows, key=lambda r: (r.runs_out_on, r.prescription.pk)),
        next_after=(chosen[-1]._runs_out_on, chosen[-1].pk) if more else None,
    )


def upcoming_refills(*, today: datetime.date | None = None, days_ahead: int | None = None) -> list[UpcomingRefill]:
    """Every row of ``upcoming_refills_page``, in one list (no paging)."""
    return upcoming_refills_page(today=today, days_ahead=days_ahead, limit=None).rows
