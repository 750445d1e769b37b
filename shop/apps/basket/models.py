from django.db import models
from oscar.apps.basket.abstract_models import AbstractLine


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
