"""The prescription gate: which basket lines may not be bought, and why.

Checkout calls ``refusals_for_basket`` before every step and again when the
order is placed (``shop/apps/checkout/session.py``), so the rule holds on the
server whatever the browser sends. Until a line is covered by a prescription a
pharmacist has verified, it is refused.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .drugs import requires_prescription


@dataclass(frozen=True)
class LineRefusal:
    line_id: int
    product_title: str
    reason: str
    next_step: str

    @property
    def message(self) -> str:
        return f"{self.product_title}: {self.reason} {self.next_step}"


def refusals_for_basket(basket, *, user=None, ship_to_state: str | None = None) -> list[LineRefusal]:
    """Every prescription line that cannot be bought now, with a reason and a next step."""
    refusals = []
    for line in basket.all_lines():
        if not requires_prescription(line.product):
            continue
        refusals.append(
            LineRefusal(
                line_id=line.id,
                product_title=line.product.get_title(),
                reason=_("This is a prescription medicine and no prescription verified by our pharmacist covers it yet."),
                next_step=_(
                    "Upload your prescription; you can pay once a pharmacist has verified it. "
                    "To buy your other items now, use “Save for later” on this line."
                ),
            )
        )
    return refusals
