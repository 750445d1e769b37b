"""Transfers in: may a prescription held at another pharmacy be transferred to us?

Pure: ``TransferFacts`` in, findings out (BLOCK: the pharmacist must not accept the
transfer; no finding: federal law allows it, state rules permitting).

Sources (current text checked 2026-12 against the eCFR as reproduced by FindLaw,
"current as of January 2, 2025", and the DEA final rule 88 FR 48365, 27 July 2023):

- 21 CFR 1306.25(a): "The transfer of original prescription information for a
  controlled substance listed in Schedule III, IV, or V for the purpose of refill
  dispensing is permissible between pharmacies on a one-time basis only. However,
  pharmacies electronically sharing a real-time, online database may transfer up to
  the maximum refills permitted by law and the prescriber's authorization."
  1306.25(b): communicated directly between two licensed pharmacists; the receiving
  pharmacist records the date of issuance, the original number of refills, the date
  of original dispensing, the refills remaining and the transferring pharmacy's name,
  address, DEA registration and pharmacist.
- 21 CFR 1306.08(e) (DEA final rule 2023-15847, effective 28 August 2023): an
  electronic prescription for a Schedule II-V controlled substance may be transferred
  between retail pharmacies for its initial filling, upon request from the patient,
  on a one-time basis only; it must stay electronic, and the refills of a Schedule
  III-V prescription go with it.
- Schedule II has no refills (21 CFR 1306.12(a)): once filled, nothing can move.
- Non-controlled prescriptions: no federal rule; state pharmacy laws (most allow the
  remaining refills to be transferred). Schedule I is never dispensed.
- A REMS programme that allows no refills (isotretinoin's programme: "30-day supply, no refills", each
  fill needs a new prescription; ``ProgrammeVersion.refills_allowed``): once filled,
  such a prescription has nothing left to move. An unfilled one is judged at our
  verification like any prescription (the programme's own rules run there).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .config import DEFAULT_CONFIG, Config
from .findings import Finding, Severity
from .programmes.registry import get_programme

BLOCK = Severity.BLOCK

TRANSFER_RULE = "transfer.controlled"
PROGRAMME_TRANSFER_RULE = "transfer.programme"
REFILL_TRANSFER_SOURCE = "21 CFR 1306.25(a)"
INITIAL_FILL_TRANSFER_SOURCE = "21 CFR 1306.08(e)"
SCHEDULE_II_SOURCE = "21 CFR 1306.12(a)"
#: The day the 2023 rule on transferring an unfilled electronic prescription took effect.
INITIAL_FILL_TRANSFER_EFFECTIVE = date(2023, 8, 28)


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferFacts:
    """The prescription at the other pharmacy, as its pharmacist describes it on the phone.

    ``filled`` says it was dispensed at least once there; ``transferred_before`` that it
    already came to that pharmacy by transfer (or was transferred once before);
    ``shared_database`` that the two pharmacies share a real-time online database (we
    share none with anyone: the default); ``programme`` is the drug's REMS programme
    code (``Drug.programme``), if any."""

    dea_schedule: int | None
    electronic: bool
    filled: bool
    transferred_before: bool
    fills_remaining: int | None
    on: date
    shared_database: bool = False
    programme: str | None = None


def _block(pharmacist: str, customer: str, source: str, rule_id: str = TRANSFER_RULE) -> tuple[Finding, ...]:
    return (Finding(rule_id, BLOCK, pharmacist, customer, source),)


def _programme_without_refills(code: str | None, on: date, config: Config) -> str | None:
    """The label of the programme version in force, when it allows no refills."""
    if not code:
        return None
    version = get_programme(code, on, config=config)
    if version is None or version.retired or version.refills_allowed != 0:
        return None
    return version.label


def transfer_findings(facts: TransferFacts, config: Config = DEFAULT_CONFIG) -> tuple[Finding, ...]:
    """What stops this transfer under federal law or the drug's programme (empty: it may be accepted)."""
    schedule = facts.dea_schedule
    programme = _programme_without_refills(facts.programme, facts.on, config)
    if programme is not None and facts.filled:
        return _block(
            f"{programme} allows no refills: this prescription was filled at the other pharmacy, so nothing is"
            " left to transfer. Each fill needs a new prescription.",
            "This medicine cannot be refilled or transferred; please ask your prescriber for a new prescription.",
            f"{programme}: no refills",
            PROGRAMME_TRANSFER_RULE,
        )
    if facts.fills_remaining is not None and facts.fills_remaining <= 0:
        return _block(
            "No fills remain on this prescription: there is nothing to transfer.",
            "That prescription has no fills left; please ask your prescriber for a new one.",
            REFILL_TRANSFER_SOURCE if schedule in (3, 4, 5) else "State pharmacy law",
        )
    if schedule is None:
        return ()
    if schedule == 1:
        return _block(
            "A Schedule I substance is never dispensed.",
            "We cannot accept this prescription.",
            "21 U.S.C. 812",
        )
    if not facts.filled:
        # Only the 2023 rule lets an unfilled controlled prescription move, once, and only electronically.
        if facts.on < INITIAL_FILL_TRANSFER_EFFECTIVE:
            return _block(
                "Before 28 August 2023 an unfilled controlled-substance prescription could not be transferred.",
                "This prescription cannot be transferred to us; please ask your prescriber to send a new one.",
                INITIAL_FILL_TRANSFER_SOURCE,
            )
        if not facts.electronic:
            return _block(
                "An unfilled paper prescription for a controlled substance cannot be transferred for its initial"
                " fill; only an electronic one, once (21 CFR 1306.08(e)).",
                "A paper prescription for this medicine cannot be transferred; please send us the original.",
                INITIAL_FILL_TRANSFER_SOURCE,
            )
        if facts.transferred_before:
            return _block(
                "This electronic prescription was already transferred once for its initial fill; it cannot move"
                " again (21 CFR 1306.08(e)).",
                "This prescription has already been transferred once and cannot be transferred again; please ask"
                " your prescriber for a new one.",
                INITIAL_FILL_TRANSFER_SOURCE,
            )
        return ()
    if schedule == 2:
        return _block(
            "A filled Schedule II prescription has no refills to transfer (21 CFR 1306.12(a)).",
            "This medicine cannot be refilled; please ask your prescriber for a new prescription.",
            SCHEDULE_II_SOURCE,
        )
    if facts.transferred_before and not facts.shared_database:
        return _block(
            "Refills of a Schedule III-V prescription may be transferred between pharmacies once only, unless they"
            " share a real-time online database (21 CFR 1306.25(a)); this one was transferred before.",
            "This prescription has already been transferred once and cannot be transferred again; please ask"
            " your prescriber for a new one.",
            REFILL_TRANSFER_SOURCE,
        )
    return ()
