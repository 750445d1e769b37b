"""Basket forms: oscar's, with an accessible name for each line's quantity box.

Oscar's basket template renders the quantity input without a <label>, so a
screen reader announces only "spin button"; the name says which product it is.
Oscar's loader takes every other basket form from oscar itself.
"""

from django.utils.translation import gettext as _
from oscar.apps.basket.forms import BasketLineForm as OscarBasketLineForm


class BasketLineForm(OscarBasketLineForm):
    def __init__(self, strategy, *args, **kwargs):
        super().__init__(strategy, *args, **kwargs)
        if self.instance.id:
            self.fields["quantity"].widget.attrs["aria-label"] = _("Quantity of %(product)s") % {
                "product": self.instance.product.get_title(),
            }
