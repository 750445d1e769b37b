"""Basket actions of the pharmacy: buy the other items now, the prescription ones later."""
from __future__ import annotations

from django.db import transaction
from oscar.core.loading import get_model

from .gate import refusals_for_basket


@transaction.atomic
def save_blocked_prescription_lines_for_later(*, basket, user) -> int:
    """Move every prescription line that cannot be bought now to the customer's
    "saved for later" basket, so the rest of the basket can be checked out.

    Over-the-counter items are never held back by a prescription item: the
    customer either waits and ships everything together, or does this. Returns
    the number of lines moved; they keep their attached prescription.
    """
    Basket = get_model("basket", "Basket")
    refused = {refusal.line_id for refusal in refusals_for_basket(basket, user=user)}
    if not refused:
        return 0
    saved, _ = Basket.saved.get_or_create(owner=user)
    moved = 0
    for line in list(basket.all_lines()):
        if line.id in refused:
            saved.merge_line(line)
            moved += 1
    basket.reset_offer_applications()
    return moved
