"""The prescription gate: which basket lines may not be bought, and why.

A prescription line may go through checkout only when

1. it is covered by a prescription that a pharmacist has verified, for that
   patient, drug and strength, with enough quantity and fills left
   (``prescriptions.selectors.coverage_for_basket``), and
2. the compliance rules pass for it *now* (``Stage.CHECKOUT``): the pharmacy is
   licensed in the ship-to state, the account holder is an adult, the
   prescription has not expired, the programme (iPLEDGE) allows it, …

Checkout runs this before every step (``shop/apps/checkout/session.py``) and
again, recording the evaluation with its inputs' fingerprint, at the moment the
order is placed (``shop/apps/checkout/views.py``), so it holds on the server
whatever the browser sends and whatever changed in between (the basket, the
address, the date). Before an address is chosen the ship-to rule has nothing to
judge and is left for the later steps.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compliance import subjects
from compliance.core import Severity, Stage, evaluate
from compliance.core.facts import NON_RESIDENT
from compliance.core.online_rules import ACCOUNT_HOLDER_AGE, SHIP_TO_LICENCE
from compliance.core.prescription_rules import REFILL_TOO_SOON
from compliance.core.states import state_name
from compliance.services import compliance_config, evaluate_and_record

from .drugs import requires_prescription
from .facts import facts_for_prescription, holder_date_of_birth
from .selectors import coverage_for_basket
from .wording import customer_wording

# What to do next, by why a line is not covered (lazy: in the reader's language when shown).
_NEXT_STEP = {
    "no_prescription": gettext_lazy(
        "Upload your prescription (or attach one already verified) from this basket line; "
        "you can pay once a pharmacist has verified it."
    ),
    "awaiting_verification": gettext_lazy(
        "Our pharmacists aim to verify it within 4 business hours; we will e-mail you."
    ),
    "needs_answer": gettext_lazy("Answer the pharmacist's question in “My prescriptions”."),
    "not_usable": gettext_lazy("Ask your prescriber for a new prescription and upload it."),
    "mismatch": gettext_lazy(
        "Change the quantity or product to match your prescription, or upload the right prescription."
    ),
    "in_open_order": gettext_lazy(
        "That order will use the fill when our pharmacist dispenses it. To order more, upload a new "
        "prescription from your prescriber, or contact us to cancel that order first."
    ),
}
_RULES_NEXT_STEP = gettext_lazy("Check the delivery address, or call our pharmacist, who can tell you what is needed.")
_TOO_SOON_NEXT_STEP = gettext_lazy(
    "Save it for later and check it out from that day; the Refill button on “My prescriptions” shows the date too."
)
_ABOUT_YOU_NEXT_STEP = gettext_lazy("Add your date of birth under “About you” in your account.")
_SHIP_TO_NEXT_STEP = gettext_lazy(
    "We can ship prescription medicines to: %(states)s. Choose or enter a delivery address in one of these states."
)
_SHIP_TO_NOWHERE = gettext_lazy(
    "We cannot ship prescription medicines to any state at the moment; please call our pharmacist."
)


def states_we_ship_to(facts, config) -> list[str]:
    """The names of the states a prescription may ship to on the facts' date: the
    states whose licence the ship-to rule (``licensed_in_ship_to_state``, state
    pharmacy laws as summarised in RULES.md 3.2) accepts, from the same licences it
    judged, so the list told to the customer never disagrees with the refusal."""
    today = timezone.localtime(facts.moment).date()
    codes = {
        licence.state
        for licence in facts.pharmacy.licences
        if licence.expires_on >= today
        and not (licence.kind == NON_RESIDENT and licence.state in config.states_without_nonresident_licence)
    }
    return sorted(state_name(code) for code in codes)


@dataclass(frozen=True)
class LineRefusal:
    line_id: int
    product_title: str
    reason: str
    next_step: str
    next_url: str = ""  # where the next step is taken, when it is a page of ours
    ship_to: bool = False  # refused only because of where it ships: another address may pass

    @property
    def message(self) -> str:
        return f"{self.product_title}: {self.reason} {self.next_step}"


def _has_transcription(prescription) -> bool:
    try:
        return prescription.transcription is not None
    except ObjectDoesNotExist:
        return False


@dataclass
class BasketJudgement:
    """One run of the gate over a basket: its refusals, and the facts and findings of each
    line the rules judged, so that the place-order step records this judgement instead of
    judging the same basket a second time in the same request."""

    ship_to_state: str | None
    signature: tuple  # the prescription lines judged: (line, product, quantity, prescription)
    refusals: list[LineRefusal]
    judged: list[tuple[int, int, object, tuple]]  # (line id, prescription id, facts, findings)

    def still_holds_for(self, basket, ship_to_state: str | None) -> bool:
        """Whether it judged this basket, as it is now, for this ship-to state."""
        return ship_to_state == self.ship_to_state and _signature(basket) == self.signature


def _prescription_lines(basket) -> list:
    return [line for line in basket.all_lines() if requires_prescription(line.product)]


def _signature(basket) -> tuple:
    return tuple(
        (line.id, line.product_id, line.quantity, line.prescription_id) for line in _prescription_lines(basket)
    )


def refusals_for_basket(
    basket,
    *,
    user=None,
    ship_to_state: str | None = None,
    moment: datetime.datetime | None = None,
    record_for_order: str | None = None,
) -> list[LineRefusal]:
    """Every prescription line that cannot be bought now, with a reason and a next step.

    ``record_for_order`` (the number of the order being placed) stores each
    evaluation through the compliance entry point, about the line's prescription
    as a basket line of that order (``compliance.subjects.for_basket_line``), for
    the inspector; without it nothing is written.
    """
    judgement = judge_basket(basket, ship_to_state=ship_to_state, moment=moment)
    if record_for_order:
        record_judgement(judgement, order_number=record_for_order, actor=user)
    return judgement.refusals


def record_judgement(judgement: BasketJudgement, *, order_number: str, actor=None) -> None:
    """Store each line's evaluation of ``judgement`` for the inspector, about the line's
    prescription as a basket line of order ``order_number``."""
    for line_id, prescription_id, facts, findings in judgement.judged:
        subject = subjects.for_basket_line(
            prescription_id=prescription_id, order_number=order_number, basket_line_id=line_id
        )
        evaluate_and_record(facts=facts, subject=subject, actor=actor, findings=findings)


def judge_basket(
    basket, *, ship_to_state: str | None = None, moment: datetime.datetime | None = None
) -> BasketJudgement:
    """The gate's judgement of ``basket`` (``refusals_for_basket`` without recording)."""
    lines = _prescription_lines(basket)
    judgement = BasketJudgement(ship_to_state=ship_to_state, signature=_signature(basket), refusals=[], judged=[])
    if not lines:
        return judgement
    refusals = judgement.refusals
    moment = moment or timezone.now()
    coverage = coverage_for_basket(basket, on=timezone.localtime(moment).date())
    holder_dob = None
    for line in lines:
        title = line.product.get_title()
        cover = coverage[line.id]
        if not cover.covered:
            refusals.append(LineRefusal(line.id, title, cover.message, str(_NEXT_STEP.get(cover.state, ""))))
            continue
        if not _has_transcription(cover.prescription):
            # Verified without a pharmacist's transcription cannot be checked: refuse, never guess.
            refusals.append(
                LineRefusal(
                    line.id,
                    title,
                    _("Our pharmacist has not finished recording this prescription."),
                    str(_NEXT_STEP["awaiting_verification"]),
                )
            )
            continue
        if holder_dob is None:
            holder_dob = holder_date_of_birth(basket.owner_id)
        facts = facts_for_prescription(
            stage=Stage.CHECKOUT,
            prescription=cover.prescription,
            product=line.product,
            moment=moment,
            ship_to_state=ship_to_state,
            account_holder_dob=holder_dob,
        )
        config = compliance_config()
        findings = tuple(evaluate(facts, config=config))
        judgement.judged.append((line.id, cover.prescription.pk, facts, findings))
        blocks = [
            f
            for f in findings
            if f.severity == Severity.BLOCK and not (ship_to_state is None and f.rule_id == SHIP_TO_LICENCE)
        ]
        if blocks:
            reason = " ".join(dict.fromkeys(customer_wording(f.customer_message) for f in blocks))
            rule_ids = {f.rule_id for f in blocks}
            if rule_ids == {SHIP_TO_LICENCE}:
                # Only the address stands in the way: say where we can ship, and send
                # the customer back to the address step (which the gate never refuses).
                states = states_we_ship_to(facts, config)
                next_step = str(_SHIP_TO_NEXT_STEP) % {"states": ", ".join(states)} if states else str(_SHIP_TO_NOWHERE)
                refusals.append(
                    LineRefusal(
                        line.id, title, reason, next_step, next_url=reverse("checkout:shipping-address"), ship_to=True
                    )
                )
            elif holder_dob is None and rule_ids == {ACCOUNT_HOLDER_AGE}:
                # Only the account holder's own date of birth is missing: say where it goes.
                refusals.append(
                    LineRefusal(
                        line.id,
                        title,
                        reason,
                        str(_ABOUT_YOU_NEXT_STEP),
                        next_url=reverse("customer:about-me") + "?next=" + reverse("basket:summary"),
                    )
                )
            elif rule_ids == {REFILL_TOO_SOON}:
                refusals.append(LineRefusal(line.id, title, reason, _TOO_SOON_NEXT_STEP))
            else:
                refusals.append(LineRefusal(line.id, title, reason, str(_RULES_NEXT_STEP)))
    return judgement


def coverage_refusals_at_placing(basket, *, moment: datetime.datetime | None = None) -> list[LineRefusal]:
    """The coverage of the basket counted again inside the transaction that places its order,
    with the prescriptions its lines use locked (``SELECT ... FOR UPDATE``).

    ``refusals_for_basket`` ran a moment before, outside that transaction: two
    checkouts for the one remaining fill of a prescription can both pass it. The
    lock makes the second wait until the first order is committed, and its count
    then sees that order holding the fill. Call it inside ``transaction.atomic``,
    before the order is written; only coverage is counted again (the compliance
    rules were evaluated and recorded for this order already).
    """
    moment = moment or timezone.now()
    coverage = coverage_for_basket(basket, on=timezone.localtime(moment).date(), lock=True)
    return [
        LineRefusal(line_id, cover.product_title, cover.message, str(_NEXT_STEP.get(cover.state, "")))
        for line_id, cover in coverage.items()
        if not cover.covered
    ]
