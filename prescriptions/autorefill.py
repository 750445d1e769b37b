"""Automatic refills (issue 22, item 3): opt-in, per prescription, with the rules still in charge.

The patient turns it on for one prescription, giving a saved card (``payments.saved_cards``)
and their consent to be charged without being present; the shipping address is copied from
their address book (default address, else the last order's). Each day, in the pharmacy's
time zone, ``run_auto_refills`` looks at every active enrolment:

- a refill not allowed yet (too soon, or the last fill still in an order on its way): wait;
- allowed today (``compliance.core.refills`` through ``prescriptions.refills``): the order is
  made the way the Refill button and checkout make it — the next fill put in a basket tied
  to the prescription, the checkout gate judging it at CHECKOUT for the saved address and
  recording its evaluation for the order, the saved card authorised off-session for the
  total, and the order placed by checkout's own order-placement code (oscar's
  ``OrderPlacementMixin`` as rxshop forks it: the first status from the order-status door,
  the order line tied to the prescription, the coverage counted again under lock). The
  order then waits for the pharmacist like any other, and is captured at dispense;
- a rule that no longer passes (expired, no fills left, a controlled or REMS medicine, the
  gate refuses), a declined card, or a bank asking for authentication: the enrolment stops,
  with why, and the patient gets an e-mail that names no medicine and says what to do.
  Nothing is left half-made: a basket that did not become an order is deleted and a card
  hold without an order is released.

Idempotent: an attempt is claimed by (enrolment, fill number) (``AutoRefillRun``), and the
order placed holds the fill, so a second run the same day finds nothing to do.

Never for controlled substances (any DEA schedule) or REMS programme medicines (isotretinoin
under iPLEDGE...): automatic ordering would skip the checks those need each time.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oscar.core.loading import get_class, get_model

from compliance.core.refills import RefillState
from infra import outbox
from payments import services as payment_services
from payments.exceptions import AuthenticationRequired, CardDeclined, PaymentGatewayUnavailable, PaymentNotAllowed
from payments.models import SavedCard

from .drugs import drug_info
from .exceptions import AutoRefillRefused, RefillRefused
from .gate import coverage_refusals_at_placing, judge_basket, record_judgement
from .models import AutoRefill, AutoRefillRun, Prescription
from .models import PrescriptionStatus as S
from .pharmacy import pharmacy_details
from .refills import RefillInfo, add_refill_to_basket, products_with_drug_facts, refill_info, refill_infos
from .wording import customer_wording

logger = logging.getLogger(__name__)

Stop = AutoRefill.StopReason
Outcome = AutoRefillRun.Outcome

# The consent the patient gives, word for word; a change of wording is a new version.
CONSENT_VERSION = "2026-12-01"
CONSENT_TEXT = gettext_lazy(
    "I ask %(pharmacy)s to refill prescription %(ref)s automatically: each time a refill is allowed, "
    "place an order for the next fill, to be sent to the address below, and authorise my card "
    "%(card)s for its price and shipping, without asking me each time. The card is charged only "
    "when a pharmacist dispenses the medicine. I can turn automatic refills off at any time on "
    "this page."
)

# A claimed attempt left unfinished this long (the worker died) is abandoned and tried again;
# by then payments has released any card hold it made (``payments.services.ABANDONED_AFTER``).
STALE_ATTEMPT = datetime.timedelta(hours=1)

# Why a refill state stops the enrolment rather than waiting for it to pass.
_STOPPING_STATES = (RefillState.NONE_LEFT, RefillState.EXPIRED, RefillState.NOT_REFILLABLE, RefillState.NOT_VERIFIED)

ADDRESS_FIELDS = ("title", "first_name", "last_name", "line1", "line2", "line3", "line4", "state", "postcode")


# --- Who may have it -----------------------------------------------------------------------


def refusal(prescription: Prescription, *, info: RefillInfo | None = None, today: datetime.date | None = None):
    """Why automatic refills cannot be on for ``prescription`` (a sentence for the customer),
    or None when they can."""
    drug = drug_info(prescription.product)
    if drug.dea_schedule is not None:
        return _(
            "Automatic refills are not available for controlled substances: "
            "each fill is ordered and checked on its own."
        )
    if drug.programme:
        return _(
            "Automatic refills are not available for medicines under a safety programme (REMS), "
            "such as iPLEDGE: each fill needs the programme's checks first."
        )
    info = info if info is not None else refill_info(prescription, today=today)
    if info is None:  # never verified
        return _("Automatic refills are available once a pharmacist has verified the prescription.")
    if info.status.state in _STOPPING_STATES:  # used up, expired, no refills by law or programme
        return customer_wording(info.status.message)
    if prescription.status != S.VERIFIED:
        return _("Automatic refills are available once a pharmacist has verified the prescription.")
    if info.status.fills_left < 1:
        return _("Every fill of this prescription has been dispensed or ordered.")
    return None


def is_eligible(prescription: Prescription, *, info: RefillInfo | None = None) -> bool:
    return refusal(prescription, info=info) is None


# --- The address and the card ----------------------------------------------------------------


def address_snapshot(user) -> dict | None:
    """A copy of the customer's default delivery address, else of their last order's; None
    when they have neither (they must order once, or add an address, first)."""
    user_address = get_model("address", "UserAddress")
    order = get_model("order", "Order")
    address = user_address.objects.filter(user=user, is_default_for_shipping=True).first()
    if address is None:
        last = (
            order.objects.filter(user=user, shipping_address__isnull=False)
            .select_related("shipping_address")
            .order_by("-date_placed", "-pk")
            .first()
        )
        address = last.shipping_address if last is not None else None
    if address is None:
        return None
    snapshot = {name: str(getattr(address, name, "") or "") for name in ADDRESS_FIELDS}
    snapshot["phone_number"] = str(address.phone_number or "") if getattr(address, "phone_number", None) else ""
    snapshot["country"] = address.country_id
    return snapshot


def address_lines(snapshot: dict) -> list[str]:
    """The saved address as the customer reads it."""
    name = " ".join(p for p in (snapshot.get("first_name"), snapshot.get("last_name")) if p)
    town = " ".join(p for p in (snapshot.get("line4"), snapshot.get("state"), snapshot.get("postcode")) if p)
    parts = (name, snapshot.get("line1"), snapshot.get("line2"), snapshot.get("line3"), town)
    return [p for p in parts if p]


def consent_text(*, prescription: Prescription, card_label: str) -> str:
    """The consent exactly as shown (in the active language)."""
    return str(CONSENT_TEXT) % {
        "pharmacy": _pharmacy_name(),
        "ref": prescription.reference,
        "card": card_label,
    }


def _pharmacy_name() -> str:
    return pharmacy_details()["name"]


# --- Turning it on and off -----------------------------------------------------------------


def active_enrolment(prescription: Prescription) -> AutoRefill | None:
    return AutoRefill.objects.filter(prescription=prescription, state=AutoRefill.State.ACTIVE).first()


def latest_enrolment(prescription: Prescription) -> AutoRefill | None:
    return AutoRefill.objects.filter(prescription=prescription).order_by("-consented_at", "-pk").first()


def enrol(
    *,
    prescription: Prescription,
    customer,
    card: SavedCard,
    consent_shown: str,
    consent_ip: str | None,
    shipping_method: str | None = None,
) -> AutoRefill:
    """Turn automatic refills on for ``prescription``, with the consent the customer was shown
    (``consent_shown``: the exact text of their page) and the address they were shown. Raises
    ``AutoRefillRefused`` with the reason."""
    if prescription.customer_id != getattr(customer, "pk", None) or card.user_id != customer.pk:
        raise AutoRefillRefused(_("That prescription is not on your account."))
    reason = refusal(prescription)
    if reason is not None:
        raise AutoRefillRefused(reason)
    if not card.is_active or card.expires_before(timezone.localdate()):
        raise AutoRefillRefused(_("That card can no longer be used; please add another."))
    if consent_shown != consent_text(prescription=prescription, card_label=card.label):
        raise AutoRefillRefused(_("The terms on this page changed; please read them again and confirm."))
    address = address_snapshot(customer)
    if address is None:
        raise AutoRefillRefused(
            _("Add a delivery address to your address book (or place an order) first: we send refills there.")
        )
    try:
        with transaction.atomic():
            Prescription.objects.select_for_update().filter(pk=prescription.pk).first()
            if active_enrolment(prescription) is not None:
                raise AutoRefillRefused(_("Automatic refills are already on for this prescription."))
            return AutoRefill.objects.create(
                prescription=prescription,
                customer=customer,
                saved_card=card,
                shipping_address=address,
                shipping_method=shipping_method or settings.RXSHOP_DEFAULT_SHIPPING_METHOD,
                consent_text=consent_shown,
                consent_version=CONSENT_VERSION,
                consented_at=timezone.now(),
                consent_ip=consent_ip,
                consent_language=translation.get_language() or "",
            )
    except IntegrityError as exc:  # the same click twice at once
        raise AutoRefillRefused(_("Automatic refills are already on for this prescription.")) from exc


def stop_by_customer(*, enrolment: AutoRefill, customer) -> AutoRefill:
    """One click: automatic refills off, recorded. Safe twice."""
    if enrolment.customer_id != getattr(customer, "pk", None):
        raise AutoRefillRefused(_("That prescription is not on your account."))
    with transaction.atomic():
        enrolment = AutoRefill.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.is_active:
            _stop(enrolment, Stop.CUSTOMER, "", tell_patient=False)
    return enrolment


def _stop(enrolment: AutoRefill, reason: str, detail: str, *, tell_patient: bool = True) -> None:
    """Stop a locked, active enrolment; the patient is e-mailed (once) when it was not their doing."""
    enrolment.state = AutoRefill.State.STOPPED
    enrolment.stop_reason = reason
    enrolment.stop_detail = detail[:2000]
    enrolment.stopped_at = timezone.now()
    enrolment.save(update_fields=["state", "stop_reason", "stop_detail", "stopped_at"])
    if tell_patient:
        outbox.enqueue("prescriptions.tasks.send_auto_refill_stopped_email", enrolment.pk)


# --- What the pages show ---------------------------------------------------------------------


@dataclass(frozen=True)
class AutoRefillInfo:
    """An enrolment as the patient and the pharmacy see it."""

    enrolment: AutoRefill
    refill: RefillInfo | None
    next_on: datetime.date | None  # the day the job will place the next order, when known

    @property
    def in_open_order(self) -> bool:
        return self.refill is not None and self.refill.status.state == RefillState.IN_OPEN_ORDER


def next_refill_on(info: RefillInfo | None, *, today: datetime.date) -> datetime.date | None:
    """When the job will place the next order: the first day a refill is allowed (today when it
    already is); None while a fill is in an order on its way, or when none will be."""
    if info is None:
        return None
    if info.status.may_order:
        return today
    if info.status.state == RefillState.TOO_SOON:
        return info.status.earliest_on
    return None


def auto_refill_info(enrolment: AutoRefill, *, today: datetime.date | None = None) -> AutoRefillInfo:
    today = today or timezone.localdate()
    info = refill_info(enrolment.prescription, today=today) if enrolment.is_active else None
    return AutoRefillInfo(enrolment, info, next_refill_on(info, today=today))


def annotate(prescriptions, infos: dict[int, RefillInfo], *, today: datetime.date | None = None) -> None:
    """For "My prescriptions" and a prescription's page: set ``auto_refill`` (its active
    enrolment's ``AutoRefillInfo``, or None), ``auto_refill_stopped`` (its last enrolment, when
    we stopped it) and ``auto_refill_offered`` (it may be turned on) on each prescription. One
    query for the enrolments."""
    today = today or timezone.localdate()
    prescriptions = list(prescriptions)
    latest: dict[int, AutoRefill] = {}
    for e in AutoRefill.objects.filter(prescription__in=[p.pk for p in prescriptions]).order_by("consented_at", "pk"):
        latest[e.prescription_id] = e  # the newest last
    for prescription in prescriptions:
        info = infos.get(prescription.pk)
        newest = latest.get(prescription.pk)
        enrolment = newest if newest is not None and newest.is_active else None
        # Stopped by us (not by the patient): said on the prescription until they turn it on again.
        prescription.auto_refill_stopped = (
            newest if newest is not None and not newest.is_active and newest.stop_reason != Stop.CUSTOMER else None
        )
        prescription.auto_refill = (
            AutoRefillInfo(enrolment, info, next_refill_on(info, today=today)) if enrolment is not None else None
        )
        prescription.auto_refill_offered = (
            enrolment is None and info is not None and refusal(prescription, info=info, today=today) is None
        )


@dataclass(frozen=True)
class AutoRefillDue:
    """A row of the pharmacy's list: an active enrolment and when its next order is placed."""

    enrolment: AutoRefill
    refill: RefillInfo
    next_on: datetime.date | None
    days_until: int | None
    enrolled_days: int


def auto_refills_due(*, today: datetime.date | None = None, days_ahead: int = 7) -> list[AutoRefillDue]:
    """Active enrolments whose next order is placed within ``days_ahead`` days (or is waiting for
    a fill on its way), soonest first, with how long ago the patient enrolled."""
    today = today or timezone.localdate()
    enrolments = list(
        AutoRefill.objects.filter(state=AutoRefill.State.ACTIVE)
        .select_related("prescription__patient", "prescription__transcription", "saved_card")
        .prefetch_related(products_with_drug_facts("prescription__product"))
        .order_by("pk")
    )
    infos = refill_infos([e.prescription for e in enrolments], today=today)
    rows = []
    for enrolment in enrolments:
        info = infos.get(enrolment.prescription_id)
        if info is None:
            continue
        next_on = next_refill_on(info, today=today)
        days_until = (next_on - today).days if next_on is not None else None
        if days_until is not None and days_until > days_ahead:
            continue
        enrolled = (today - timezone.localtime(enrolment.consented_at).date()).days
        rows.append(AutoRefillDue(enrolment, info, next_on, days_until, enrolled))
    far = datetime.date.max
    return sorted(rows, key=lambda r: (r.next_on or far, r.enrolment.pk))


# --- The daily job ------------------------------------------------------------------------------


def run_auto_refills(*, now: datetime.datetime | None = None) -> int:
    """The daily job: try each active enrolment; returns how many orders were placed. Each
    enrolment is tried on its own, so one that cannot reach Stripe does not stop the others."""
    now = now or timezone.now()
    placed = 0
    ids = list(AutoRefill.objects.filter(state=AutoRefill.State.ACTIVE).order_by("pk").values_list("pk", flat=True))
    for enrolment_id in ids:
        try:
            run = place_auto_refill(auto_refill_id=enrolment_id, now=now)
        except PaymentGatewayUnavailable as exc:  # tried again at the next run
            logger.warning("Auto-refill %s: card processor unavailable: %s", enrolment_id, exc)
            continue
        if run is not None and run.outcome == Outcome.PLACED:
            placed += 1
    return placed


def place_auto_refill(*, auto_refill_id: int, now: datetime.datetime | None = None) -> AutoRefillRun | None:
    """Place the next fill's order for one enrolment if a refill is allowed today, or stop the
    enrolment if it can no longer be. Returns the attempt (None: nothing to do today).
    Raises ``PaymentGatewayUnavailable`` when Stripe could not be reached (nothing is left:
    the next run tries again)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    claimed = _claim(auto_refill_id, now=now, today=today)
    if claimed is None or isinstance(claimed, AutoRefillRun):
        return claimed
    run, basket, total, address, method, charge = claimed
    enrolment = run.auto_refill

    # The card, off-session: outside the order's transaction (a rollback cannot undo Stripe).
    try:
        authorisation = payment_services.authorise_off_session(
            order_number=run.order_number,
            amount=total.incl_tax,
            currency=total.currency,
            card=enrolment.saved_card,
            actor=None,
        )
    except AuthenticationRequired as exc:
        return _give_up(run, basket, Outcome.DECLINED, Stop.AUTHENTICATION_REQUIRED, f"{exc} ({exc.decline_code})")
    except CardDeclined as exc:
        return _give_up(run, basket, Outcome.DECLINED, Stop.CARD_DECLINED, f"{exc} ({exc.decline_code})")
    except PaymentNotAllowed as exc:
        return _give_up(run, basket, Outcome.DECLINED, Stop.CARD_UNUSABLE, str(exc))
    except PaymentGatewayUnavailable:
        _abandon(run, basket)
        raise

    try:
        with transaction.atomic():
            refused = coverage_refusals_at_placing(basket, moment=now)
            if refused:
                raise RefillRefused(" ".join(r.reason for r in refused))
            order = _place_order(run, basket, total, address, method, charge, authorisation)
            run.order = order
            run.outcome = Outcome.PLACED
            run.finished_at = timezone.now()
            run.save(update_fields=["order", "outcome", "finished_at"])
    except RefillRefused as exc:
        payment_services.cancel_unplaced_authorisation(
            order_number=run.order_number, actor=None, reason="The automatic refill could not be placed."
        )
        return _give_up(run, basket, Outcome.REFUSED, Stop.RULE, str(exc))
    except Exception:
        payment_services.cancel_unplaced_authorisation(
            order_number=run.order_number, actor=None, reason="The automatic refill could not be placed."
        )
        _abandon(run, basket)
        raise
    logger.info("Auto-refill %s: order %s placed", enrolment.pk, order.number)
    return run


def _claim(auto_refill_id: int, *, now, today):
    """Under the enrolment's lock: check it, claim the attempt for the next fill and build its
    basket, judged by the checkout gate. Returns None (nothing to do), a finished attempt
    (stopped, or already done), or what the order needs."""
    with transaction.atomic():
        enrolment = (
            AutoRefill.objects.select_for_update()
            .select_related("prescription__product", "customer", "saved_card")
            .filter(pk=auto_refill_id)
            .first()
        )
        if enrolment is None or not enrolment.is_active:
            return None
        prescription = enrolment.prescription
        info = refill_info(prescription, today=today)
        reason = refusal(prescription, info=info)
        if reason is not None:
            _stop(enrolment, Stop.RULE, reason)
            return None
        card = enrolment.saved_card
        if not card.is_active or card.expires_before(today):
            _stop(enrolment, Stop.CARD_UNUSABLE, _("The saved card was removed or has expired."))
            return None
        if not info.status.may_order:
            return None  # too soon, or the last fill is still on its way: wait
        fill_number = prescription.fills_used + 1
        run = AutoRefillRun.objects.filter(auto_refill=enrolment, fill_number=fill_number).first()
        if run is not None:
            if run.outcome != Outcome.STARTED or run.created_at > now - STALE_ATTEMPT:
                return run  # done (or being done) already
            _abandon(run, _basket_of(run))
        run = AutoRefillRun.objects.create(auto_refill=enrolment, fill_number=fill_number, created_at=now)
        try:
            built = _build_basket(enrolment, today=today)
        except RefillRefused as exc:
            run.outcome, run.detail, run.finished_at = Outcome.REFUSED, str(exc), now
            run.save(update_fields=["outcome", "detail", "finished_at"])
            _stop(enrolment, Stop.RULE, str(exc))
            return run
        basket, address, method, charge, total = built
        run.order_number = str(_order_number(basket))
        run.save(update_fields=["order_number"])
        # The checkout gate, at CHECKOUT, for the saved address: recorded for the order, as checkout does.
        judgement = judge_basket(basket, ship_to_state=(address.state or "").strip().upper() or None, moment=now)
        record_judgement(judgement, order_number=run.order_number, actor=None)
        if judgement.refusals:
            detail = " ".join(f"{r.reason} {r.next_step}".strip() for r in judgement.refusals)
            basket.delete()
            run.outcome, run.detail, run.finished_at = Outcome.REFUSED, detail, now
            run.save(update_fields=["outcome", "detail", "finished_at"])
            _stop(enrolment, Stop.RULE, detail)
            return run
        basket.freeze()  # never merged into the customer's own basket
    return run, basket, total, address, method, charge


def _build_basket(enrolment: AutoRefill, *, today):
    basket_model = get_model("basket", "Basket")
    selector = get_class("partner.strategy", "Selector")
    applicator = get_class("offer.applicator", "Applicator")
    customer = enrolment.customer
    basket = basket_model.objects.create(owner=customer)
    basket.strategy = selector().strategy(user=customer)
    try:
        add_refill_to_basket(basket=basket, prescription=enrolment.prescription, customer=customer, today=today)
        applicator().apply(basket, customer, None)
        address = _shipping_address(enrolment.shipping_address)
        method = _shipping_method(basket, customer, address, enrolment.shipping_method)
    except RefillRefused:
        basket.delete()
        raise
    charge = method.calculate(basket)
    total = get_class("checkout.calculators", "OrderTotalCalculator")().calculate(basket, charge)
    return basket, address, method, charge, total


def _shipping_address(snapshot: dict):
    shipping_address = get_model("order", "ShippingAddress")
    fields = {name: snapshot.get(name, "") for name in ADDRESS_FIELDS}
    return shipping_address(
        **fields, phone_number=snapshot.get("phone_number") or "", country_id=snapshot.get("country") or "US"
    )


def _shipping_method(basket, user, address, code: str):
    methods = get_class("shipping.repository", "Repository")().get_shipping_methods(
        basket, user=user, shipping_addr=address
    )
    for method in methods:
        if method.code == code:
            return method
    if not methods:
        raise RefillRefused(_("We cannot ship to the saved address at the moment."))
    return methods[0]


def _order_number(basket):
    return get_class("order.utils", "OrderNumberGenerator")().order_number(basket)


def _basket_of(run: AutoRefillRun):
    """The basket an unfinished attempt built (its order number is oscar's 100000 + basket id)."""
    basket_model = get_model("basket", "Basket")
    try:
        return basket_model.objects.filter(pk=int(run.order_number) - 100000).first()
    except ValueError:
        return None


def _place_order(run, basket, total, address, method, charge, authorisation):
    """Checkout's own order placement (rxshop's ``OrderPlacementMixin``), with the payment
    recorded as checkout records it: oscar's ``Source`` and "Authorised" event, the
    authorisation linked to the order."""
    source_model = get_model("payment", "Source")
    source_type_model = get_model("payment", "SourceType")
    placer = get_class("checkout.mixins", "OrderPlacementMixin")()
    placer.request = None
    source_type, _created = source_type_model.objects.get_or_create(name=payment_services.SOURCE_TYPE)
    placer.add_payment_source(
        source_model(
            source_type=source_type,
            currency=total.currency,
            amount_allocated=total.incl_tax,
            reference=authorisation.intent_id,
            label=authorisation.card_label,
        )
    )
    placer.add_payment_event(payment_services.AUTHORISED, total.incl_tax, reference=authorisation.intent_id)
    order = placer.place_order(
        order_number=run.order_number,
        user=run.auto_refill.customer,
        basket=basket,
        shipping_address=address,
        shipping_method=method,
        shipping_charge=charge,
        order_total=total,
        billing_address=None,
    )
    payment_services.attach_to_order(order=order)
    basket.submit()
    placer.send_order_placed_email(order)
    return order


def _give_up(run: AutoRefillRun, basket, outcome: str, reason: str, detail: str) -> AutoRefillRun:
    """The card or a rule said no: delete the basket, close the attempt, stop the enrolment."""
    with transaction.atomic():
        enrolment = AutoRefill.objects.select_for_update().get(pk=run.auto_refill_id)
        if basket is not None and basket.pk:
            basket.delete()
        run.outcome, run.detail, run.finished_at = outcome, detail, timezone.now()
        run.save(update_fields=["outcome", "detail", "finished_at"])
        if enrolment.is_active:
            _stop(enrolment, reason, detail)
    logger.info("Auto-refill %s stopped: %s", run.auto_refill_id, reason)
    return run


def _abandon(run: AutoRefillRun, basket) -> None:
    """Undo an attempt that could not finish for a passing reason, so a later run tries again."""
    with transaction.atomic():
        if basket is not None and basket.pk:
            basket.delete()
        AutoRefillRun.objects.filter(pk=run.pk, outcome=Outcome.STARTED).delete()


# --- The e-mail ----------------------------------------------------------------------------------

WHAT_TO_DO = {
    Stop.CARD_DECLINED: gettext_lazy(
        "Sign in, check the card with your bank or add another card, and turn automatic refills on again. "
        "You can also order the refill yourself with the Refill button."
    ),
    Stop.AUTHENTICATION_REQUIRED: gettext_lazy(
        "Sign in and order the refill yourself with the Refill button, so that you can confirm the payment "
        "with your bank, or add another card for automatic refills."
    ),
    Stop.CARD_UNUSABLE: gettext_lazy("Sign in, add a card, and turn automatic refills on again."),
    Stop.RULE: gettext_lazy(
        "Sign in to see why. If you need more of this medicine, ask your prescriber for a new prescription "
        "or call our pharmacist."
    ),
}
