"""The checkout pre-conditions, extended with the prescription gate.

``check_basket_is_valid`` is in the pre-conditions of every checkout view,
including the place-order POST (``PaymentDetailsView``), so the gate is
evaluated on the server at each step and on the basket as it is at that moment.
"""

from django.urls import reverse
from oscar.apps.checkout import exceptions
from oscar.apps.checkout.session import CheckoutSessionMixin as OscarCheckoutSessionMixin

from prescriptions.gate import judge_basket


class CheckoutSessionMixin(OscarCheckoutSessionMixin):
    #: Whether this step refuses the basket for the ship-to state. The steps that
    #: lead to choosing the address (the checkout start, the address step) do not:
    #: refusing them for the address chosen would leave the customer no way to
    #: choose another. Every later step, and the place-order POST, does.
    judge_ship_to = True

    def check_basket_is_valid(self, request):
        super().check_basket_is_valid(request)
        # Kept for the place-order step of this request, which records it rather than judging
        # the same basket again (``PaymentDetailsView.handle_payment``).
        self.gate_judgement = judge_basket(
            request.basket, ship_to_state=self.ship_to_state(request) if self.judge_ship_to else None
        )
        refusals = self.gate_judgement.refusals
        if refusals:
            # Refused only for where it ships: straight back to the address step.
            url = "checkout:shipping-address" if all(r.ship_to for r in refusals) else "basket:summary"
            raise exceptions.FailedPreCondition(url=reverse(url), messages=[r.message for r in refusals])

    def ship_to_state(self, request) -> str | None:
        address = self.get_shipping_address(request.basket)
        return (getattr(address, "state", "") or "").strip().upper() or None
