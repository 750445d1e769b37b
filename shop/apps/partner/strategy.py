"""Pricing and availability for a US pharmacy.

Prescription medicines can be put in the basket (so the customer can upload a
prescription for them), but their availability says a prescription is required;
the checkout gate decides whether they can be bought. Controlled substances are
listed but cannot be bought online until the pharmacy holds the DEA online
registration (RULES.md 3.3), so they cannot even be added to the basket.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from oscar.apps.partner import availability, strategy

from compliance.online import sold_online
from prescriptions.drugs import drug_info


class PrescriptionRequired(availability.Base):
    """Wraps the stock policy: buyable by stock, but labelled as Rx-only."""

    code = "rx-required"

    def __init__(self, stock_policy: availability.Base):
        self.stock_policy = stock_policy
        self.dispatch_date = stock_policy.dispatch_date

    @property
    def message(self):
        return _("%(stock)s · Prescription required") % {"stock": self.stock_policy.message}

    @property
    def short_message(self):
        return _("Prescription required")

    def is_purchase_permitted(self, quantity):
        return self.stock_policy.is_purchase_permitted(quantity)


def not_sold_online_reason() -> str:
    """What a customer is told wherever a controlled substance is refused (basket add,
    basket quantity, stock alert): why, and where to get it instead."""
    return str(
        _(
            "This is a controlled substance: it is not sold online. Our pharmacy is not registered "
            "with the DEA to dispense controlled substances by mail (Ryan Haight Act). Call our pharmacy "
            "on %(phone)s, or take your prescription to a pharmacy in person."
        )
        % {"phone": settings.RXSHOP_PHARMACY["phone"]}
    )


class NotSoldOnline(availability.Base):
    code = "not-sold-online"

    @property
    def message(self):
        return not_sold_online_reason()

    @property
    def short_message(self):
        return _("Not sold online")

    def is_purchase_permitted(self, quantity):
        return False, not_sold_online_reason()


class PharmacyAvailability:
    def availability_policy(self, product, stockrecord):
        policy = super().availability_policy(product, stockrecord)
        info = drug_info(product)
        if not sold_online(info.dea_schedule):
            return NotSoldOnline()
        if info.requires_prescription:
            return PrescriptionRequired(policy)
        return policy


class USPharmacy(
    PharmacyAvailability,
    strategy.UseFirstStockRecord,
    strategy.StockRequired,
    strategy.NoTax,
    strategy.Structured,
):
    """Prices in USD without sales tax (prescription drugs are tax-exempt in most states)."""


class Selector:
    def strategy(self, request=None, user=None, **kwargs):
        return USPharmacy(request)
