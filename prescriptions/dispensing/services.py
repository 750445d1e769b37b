"""Dispensing an order: the rules for *now*, then the fill, then the money.

``dispense_order`` is the one door. It locks the order, runs the compliance
entry point at ``Stage.DISPENSE`` for every prescription line (each evaluation
stored with its fingerprint), and only when no BLOCK stands:

- records a ``Dispense`` per line and the programme authorisation (RMA) as used,
- uses one fill of each prescription (``prescriptions.services.record_fill``),
- captures the card for what goes out (``payments.services.capture_payment``),
- moves the lines and the order to "Dispensed" through the order-status door
  (``prescriptions.orders``, route ``DISPENSING``, the only route to that
  status) and tells the customer.

A blocked dispense changes nothing and says why. When an iPLEDGE window has
passed (the RMA's "do not dispense after" date), the fill can never happen: the
card authorisation is voided, the order cancelled (``prescriptions.fulfilment.
cancel_order``) and the RMA flagged for reversal (RULES.md 1.5, 1.9). A
pharmacist may instead choose to dispense the lines that pass and cancel the
others: the capture is then partial.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from compliance import subjects
from compliance.core import Finding, Severity, Stage
from compliance.core.programmes.ipledge import rmas_due_for_reversal
from compliance.services import evaluate_and_record
from infra import outbox
from payments import services as payments
from prescriptions import delivery, fulfilment
from prescriptions import services as prescription_services
from prescriptions.drugs import drug_info, requires_prescription
from prescriptions.exceptions import DispenseRefused
from prescriptions.facts import facts_for_prescription, holder_date_of_birth
from prescriptions.orders import (
    LineStatus,
    OrderStatus,
    Route,
    change_line_status,
    change_order_status,
)
from prescriptions.services.status import name_of
from prescriptions.wording import for_queue

from . import fill
from .models import RMA_FIELDS, Dispense, ProgrammeAuthorisation, ProgrammeAuthorisationChange

Order = get_model("order", "Order")

DISPENSE_PERMISSION = "dispensing.dispense_order"


@dataclass(frozen=True)
class AuthorisationInput:
    """What the pharmacist read from the programme (iPLEDGE) for one line."""

    number: str
    do_not_dispense_after: datetime.date | None = None
    risk_category: str = ""
    quantity: int | None = None
    days_supply: int | None = None


@dataclass
class LineResult:
    line: object
    evaluation: object
    blocks: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.blocks

    @property
    def window_passed(self) -> bool:
        return any(f.rule_id.endswith(".dispense-window") for f in self.blocks)


@dataclass
class DispenseOutcome:
    order: object
    lines: list[LineResult]
    dispensed: bool = False
    voided: bool = False
    captured_amount: object = None
    # The programme window has passed and nothing can go out: voiding the card hold and
    # cancelling the order is the only way on, and waits for the pharmacist to confirm it.
    needs_void_confirmation: bool = False

    @property
    def blocked(self) -> list[LineResult]:
        return [r for r in self.lines if not r.passed]


def may_dispense(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.has_perm(DISPENSE_PERMISSION))


def _evaluate_lines(
    *,
    order,
    actor,
    authorisations: Mapping[int, AuthorisationInput],
    moment,
    medication_guide_included: bool,
    shipping_method: str | None = None,
) -> list[LineResult]:
    ship_to = (order.shipping_address.state if order.shipping_address else "") or None
    # The parcel is ready now: the date it is promised for goes to the rules (iPLEDGE mail order).
    promised = delivery.promised_delivery_for_order(order=order, method_code=shipping_method, ready_at=moment)
    holder_dob = holder_date_of_birth(order.user_id)
    results = []
    for line in order.lines.select_related("prescription", "prescription__patient", "product").order_by("pk"):
        if not requires_prescription(line.product) or line.status == LineStatus.CANCELLED:
            continue
        if line.prescription_id is None:
            raise DispenseRefused(
                f"Line {line.pk} ({line.title}) has no prescription attached; it cannot be dispensed."
            )
        facts = facts_for_prescription(
            stage=Stage.DISPENSE,
            prescription=line.prescription,
            product=line.product,
            moment=moment,
            ship_to_state=ship_to,
            account_holder_dob=holder_dob,
            authorisation=authorisations.get(line.pk),
            authorisation_obtained_by=actor,  # the pharmacist dispensing obtained the RMA they entered
            medication_guide_recorded=medication_guide_included,
            promised_delivery_on=promised,
        )
        subject = subjects.for_order_line(
            prescription_id=line.prescription_id, order_number=order.number, line_id=line.pk
        )
        evaluation = evaluate_and_record(facts=facts, subject=subject, actor=actor)
        findings = evaluation.findings
        results.append(
            LineResult(
                line=line,
                evaluation=evaluation,
                blocks=[f for f in findings if f.severity == Severity.BLOCK],
                warnings=[f for f in findings if f.severity == Severity.WARN],
            )
        )
    return results


def _programme(line) -> str:
    return drug_info(line.product).programme


def _record_authorisation(
    *, line, entered: AuthorisationInput | None, pharmacist, now, state: str, reason: str = ""
) -> ProgrammeAuthorisation | None:
    """Keep the RMA the pharmacist entered, in ``state``: one row per line and number."""
    programme = _programme(line)
    if entered is None or not entered.number.strip() or not programme:
        return None
    values = {
        "prescription": line.prescription,
        "programme": programme,
        "risk_category": entered.risk_category,
        "do_not_dispense_after": entered.do_not_dispense_after,
        "quantity": entered.quantity,
        "days_supply": entered.days_supply,
        "state": state,
        "state_changed_at": now,
        "state_reason": reason,
    }
    existing = (
        ProgrammeAuthorisation.objects.select_for_update()
        .filter(order_line=line, number=entered.number.strip())
        .first()
    )
    if existing is None:
        created = ProgrammeAuthorisation.objects.create(
            order_line=line, number=entered.number.strip(), obtained_at=now, obtained_by=pharmacist, **values
        )
        record_rma_change(
            created,
            actor=pharmacist,
            at=now,
            reason="Entered on the dispense screen." + (f" {reason}" if reason else ""),
        )
        return created
    if existing.state == ProgrammeAuthorisation.State.REVERSED:
        raise DispenseRefused(f"RMA {existing.number} was reversed; obtain a new one from the programme.")
    for name, value in values.items():
        setattr(existing, name, value)
    existing.save()
    record_rma_change(existing, actor=pharmacist, at=now, reason=reason or "Re-entered on the dispense screen.")
    return existing


def _rma_values(rma) -> dict:
    return {
        name: (value.isoformat() if hasattr(value, "isoformat") else value)
        for name in RMA_FIELDS
        for value in [getattr(rma, name)]
    }


def record_rma_change(rma, *, actor, at, reason: str = "") -> ProgrammeAuthorisationChange | None:
    """Append the RMA's values as they are now to its history, if anything changed since the
    last row (the first row is the RMA as entered). Called wherever an RMA is written."""
    last = rma.changes.order_by("-version").first()
    values = _rma_values(rma)
    old = last.values if last is not None else {}
    changes = {
        name: {"old": old.get(name), "new": value}
        for name, value in values.items()
        if last is not None and old.get(name) != value
    }
    if last is not None and not changes:
        return None
    return ProgrammeAuthorisationChange.objects.create(
        authorisation=rma,
        prescription_id=rma.prescription_id,
        version=(last.version + 1) if last else 1,
        changed_at=at,
        changed_by=actor if getattr(actor, "pk", None) else None,
        changed_by_name=(actor.get_full_name() or actor.get_username()) if getattr(actor, "pk", None) else "system",
        values=values,
        changes=changes,
        reason=reason[:1000],
    )


def dispense_order(
    *,
    order,
    pharmacist,
    authorisations: Mapping[int, AuthorisationInput] | None = None,
    medication_guide_included: bool,
    cancel_blocked_lines: bool = False,
    shipping_method: str | None = None,
    confirm_void_and_cancel: bool = False,
    counselling: fill.CounsellingInput | None = None,
    now: datetime.datetime | None = None,
) -> DispenseOutcome:
    """Dispense an order that is waiting for the pharmacist. See the module docstring.

    ``authorisations`` maps order line ids to what the pharmacist obtained from
    the programme. With ``cancel_blocked_lines`` the lines that pass are
    dispensed and captured, the others cancelled (unless the blocked reason is
    a passed programme window, which always voids the whole authorisation when
    nothing can be dispensed). ``shipping_method`` (an oscar shipping method code)
    is the service the parcel will go by when the pharmacist picks a faster one
    than the order's; the promised delivery date the rules see is counted from
    it (``prescriptions.delivery``). Voiding and cancelling for a passed window happen
    only with ``confirm_void_and_cancel``; without it nothing moves and the outcome says
    ``needs_void_confirmation`` (the screen then asks, in those words). Every prescription
    line's packs must have been scanned at fill (``fill``, unless ``RXSHOP_FILL_SCAN_REQUIRED``
    is off); they go on the dispense record with ``counselling``, the offer to counsel and
    the answer.
    """
    if not may_dispense(pharmacist):
        raise DispenseRefused("Only a pharmacist can dispense.")
    authorisations = authorisations or {}
    now = now or timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status != OrderStatus.AWAITING_DISPENSE:
            raise DispenseRefused(f"Order {order.number} is “{order.status}”, not waiting to be dispensed.")
        if fill.scan_required():
            missing = fill.unfilled(
                line
                for line in order.lines.select_related("product").order_by("pk")
                if requires_prescription(line.product) and line.status != LineStatus.CANCELLED
            )
            if missing:
                raise DispenseRefused(" ".join(missing))
        results = _evaluate_lines(
            order=order,
            actor=pharmacist,
            authorisations=authorisations,
            moment=now,
            medication_guide_included=medication_guide_included,
            shipping_method=shipping_method,
        )
        outcome = DispenseOutcome(order=order, lines=results)
        passing = [r for r in results if r.passed]
        blocked = outcome.blocked
        checked = {r.line.pk for r in results}
        otc_going_out = [
            line for line in order.lines.all() if line.pk not in checked and line.status != LineStatus.CANCELLED
        ]
        stops = bool(blocked) and (not cancel_blocked_lines or not (passing or otc_going_out))
        gives_up = stops and all(r.window_passed for r in blocked) and not passing
        if confirm_void_and_cancel and not gives_up:
            # The confirmation means "void and cancel", never "dispense": if the window is
            # open again (a corrected date), the pharmacist presses Dispense.
            raise DispenseRefused(
                f"Order {order.number} was not voided or cancelled: its programme window has not passed. "
                "Check the dates and press Dispense."
            )
        if stops:
            if gives_up:
                if not confirm_void_and_cancel:
                    outcome.needs_void_confirmation = True
                    return outcome  # the evaluations are stored; no money or status moved
                _give_up(order=order, results=blocked, authorisations=authorisations, pharmacist=pharmacist, now=now)
                outcome.voided = True
            else:
                # Nothing dispensed; keep any RMA entered so an unused one is flagged for reversal.
                for result in results:
                    _record_authorisation(
                        line=result.line,
                        entered=authorisations.get(result.line.pk),
                        pharmacist=pharmacist,
                        now=now,
                        state=ProgrammeAuthorisation.State.ACTIVE,
                    )
            return outcome  # the evaluations are stored either way
        for result in blocked:  # the pharmacist chose to send the rest
            _cancel_line(order=order, result=result, authorisations=authorisations, pharmacist=pharmacist, now=now)
        for result in passing:
            line = result.line
            rma = _record_authorisation(
                line=line,
                entered=authorisations.get(line.pk),
                pharmacist=pharmacist,
                now=now,
                state=ProgrammeAuthorisation.State.DISPENSED,
            )
            dispense = Dispense.objects.create(
                order_line=line,
                prescription=line.prescription,
                pharmacist=pharmacist,
                pharmacist_name=name_of(pharmacist),
                dispensed_at=now,
                evaluation=result.evaluation,
                authorisation=rma,
                medication_guide_included=medication_guide_included,
            )
            fill.record_packs(dispense=dispense, line=line)
            fill.record_counselling(dispense=dispense, counselling=counselling, pharmacist=pharmacist)
            prescription_services.record_fill(prescription=line.prescription, actor=pharmacist)
            change_line_status(line=line, to=LineStatus.DISPENSED, actor=pharmacist, via=Route.DISPENSING)
        going_out = [line for line in order.lines.all() if line.status != LineStatus.CANCELLED]
        authorisation = payments.capture_payment(order=order, actor=pharmacist, lines=going_out)
        outcome.captured_amount = authorisation.amount_captured
        change_order_status(
            order=order,
            to=OrderStatus.DISPENSED,
            actor=pharmacist,
            via=Route.DISPENSING,
            note=f"{len(passing)} prescription item(s) dispensed by {name_of(pharmacist)}.",
        )
        outbox.enqueue("prescriptions.dispensing.tasks.send_order_dispensed_email", order.pk)
        outcome.dispensed = True
    return outcome


def _cancel_line(*, order, result: LineResult, authorisations, pharmacist, now) -> None:
    line = result.line
    why = " ".join(f.pharmacist_message for f in result.blocks)
    _record_authorisation(
        line=line,
        entered=authorisations.get(line.pk),
        pharmacist=pharmacist,
        now=now,
        state=ProgrammeAuthorisation.State.REVERSAL_DUE,
        reason=f"Line cancelled at dispense: {why}",
    )
    change_line_status(
        line=line, to=LineStatus.CANCELLED, actor=pharmacist, via=Route.DISPENSING, note=f"Not dispensed: {why}"
    )


def _give_up(*, order, results: list[LineResult], authorisations, pharmacist, now) -> None:
    """Nothing can ever be dispensed (the programme window passed): void, cancel, flag the RMAs."""
    reason = " ".join(dict.fromkeys(f.pharmacist_message for r in results for f in r.blocks))
    for result in results:
        _record_authorisation(
            line=result.line,
            entered=authorisations.get(result.line.pk),
            pharmacist=pharmacist,
            now=now,
            state=ProgrammeAuthorisation.State.REVERSAL_DUE,
            reason=f"Not dispensed: {reason}",
        )
    # The card hold is released, then the order cancelled through the door; the customer hears why.
    fulfilment.cancel_order(
        order=order, reason=f"Could not be dispensed: {reason}", actor=pharmacist, via=Route.DISPENSING
    )
    # Translated by the e-mail task, in the customer's language (prescriptions.wording).
    for_customer = [for_queue(m) for m in dict.fromkeys(f.customer_message for r in results for f in r.blocks)]
    outbox.enqueue("prescriptions.dispensing.tasks.send_order_not_dispensed_email", order.pk, for_customer)


def mark_reversed(*, authorisation: ProgrammeAuthorisation, pharmacist, note: str = "") -> ProgrammeAuthorisation:
    """The pharmacist reversed the RMA in the programme (website or phone)."""
    if not may_dispense(pharmacist):
        raise DispenseRefused("Only a pharmacist can record an RMA reversal.")
    with transaction.atomic():
        locked = ProgrammeAuthorisation.objects.select_for_update().get(pk=authorisation.pk)
        if locked.state not in (ProgrammeAuthorisation.State.REVERSAL_DUE, ProgrammeAuthorisation.State.ACTIVE):
            raise DispenseRefused(f"RMA {locked.number} is “{locked.get_state_display()}”; nothing to reverse.")
        locked.state = ProgrammeAuthorisation.State.REVERSED
        locked.state_changed_at = timezone.now()
        locked.state_reason = f"Reversed by {name_of(pharmacist)}. {note}".strip()
        locked.save(update_fields=["state", "state_changed_at", "state_reason"])
        record_rma_change(locked, actor=pharmacist, at=locked.state_changed_at, reason="Marked reversed.")
    return locked


def flag_rmas_for_reversal(*, now: datetime.datetime | None = None) -> int:
    """Daily job (RULES.md 1.9): RMAs neither dispensed nor reversed that can no
    longer be used (window passed, order cancelled) are flagged for reversal."""
    now = now or timezone.now()
    active = list(
        ProgrammeAuthorisation.objects.filter(state=ProgrammeAuthorisation.State.ACTIVE).select_related(
            "order_line__order"
        )
    )
    due = rmas_due_for_reversal(active, now)
    for rma in due:
        with transaction.atomic():
            moved = ProgrammeAuthorisation.objects.filter(pk=rma.pk, state=ProgrammeAuthorisation.State.ACTIVE).update(
                state=ProgrammeAuthorisation.State.REVERSAL_DUE,
                state_changed_at=now,
                state_reason="Neither dispensed nor reversed, and no longer usable.",
            )
            if moved:
                record_rma_change(
                    ProgrammeAuthorisation.objects.get(pk=rma.pk),
                    actor=None,
                    at=now,
                    reason="Flagged for reversal by the daily check.",
                )
    return len(due)
