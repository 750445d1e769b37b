"""The basket's prescription lines: which prescription covers a line, buying
right after an upload, and saving the lines that cannot be bought now for later."""

from __future__ import annotations

from django.db import transaction
from oscar.core.loading import get_model

from ..gate import refusals_for_basket
from ..models import Prescription
from ..models import PrescriptionStatus as S
from ..selectors import coverage_for_line
from .exceptions import CannotAttach
from .status import User

Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")


@transaction.atomic
def attach_prescription_to_basket_line(*, line: BasketLine, prescription: Prescription, customer: User) -> None:
    """Say which prescription covers a basket line (the gate decides whether it does)."""
    if line.basket.owner_id is None or line.basket.owner_id != customer.pk:
        raise CannotAttach("That basket line is not in your basket.")
    if prescription.customer_id != customer.pk:
        raise CannotAttach("That prescription is not on your account.")
    if prescription.product_id != line.product_id:
        raise CannotAttach(
            f"Prescription {prescription.reference} is for {prescription.product.get_title()}, "
            f"not for {line.product.get_title()}."
        )
    if prescription.status in {S.REJECTED, S.EXPIRED, S.USED_UP}:
        raise CannotAttach(
            f"Prescription {prescription.reference} is “{prescription.get_status_display()}” and cannot be used."
        )
    line.prescription = prescription
    line.save(update_fields=["prescription"])


# --- Product page: upload, then buy ----------------------------------------------------------


@transaction.atomic
def add_to_basket_with_prescription(*, basket: Basket, prescription: Prescription, customer: User) -> BasketLine | None:
    """After an upload from the product page: the basket's lines for that
    medicine point at the new prescription (one line is added if there is
    none). Returns the line, or None if the product cannot be bought now."""
    product = prescription.product
    lines = [line for line in basket.all_lines() if line.product_id == product.pk]
    if not lines:
        if not basket.strategy.fetch_for_product(product).availability.is_purchase_permitted(1)[0]:
            return None
        line, _ = basket.add_product(product, 1)
        lines = [line]
    for line in lines:
        if not coverage_for_line(line).covered:
            attach_prescription_to_basket_line(line=line, prescription=prescription, customer=customer)
    return lines[0]


# --- Buy the other items now, the prescription ones later ---------------------------------------


@transaction.atomic
def save_blocked_prescription_lines_for_later(*, basket, user) -> int:
    """Move every prescription line that cannot be bought now to the customer's
    "saved for later" basket, so the rest of the basket can be checked out.

    Over-the-counter items are never held back by a prescription item: the
    customer either waits and ships everything together, or does this. Returns
    the number of lines moved; they keep their attached prescription.
    """
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
