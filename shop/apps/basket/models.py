from django.db import models
from oscar.apps.basket.abstract_models import AbstractBasket, AbstractLine


class Basket(AbstractBasket):
    def merge_line(self, line, add_quantities=True):
        """Oscar's, keeping the prescription attached to the line.

        Used by "save for later", "move to basket" and "buy the other items now": when
        the basket already has a line for the product, oscar adds the quantities and
        deletes the moved line, and with it the customer's choice of prescription.
        """
        prescription_id = line.prescription_id
        existing = self.lines.filter(line_reference=line.line_reference).exclude(pk=line.pk).first()
        super().merge_line(line, add_quantities)
        if existing is not None and prescription_id and existing.prescription_id is None:
            existing.prescription_id = prescription_id
            existing.save(update_fields=["prescription"])

    merge_line.alters_data = True


class Line(AbstractLine):
    # The prescription the customer says covers this line. Whether it really
    # does (verified, same product, fills and quantity) is decided by
    # prescriptions.selectors.covering_prescription_for_line.
    prescription = models.ForeignKey(
        "prescriptions.Prescription",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="basket_lines",
    )


from oscar.apps.basket.models import *  # noqa: E402,F401,F403  (oscar's fork pattern)
