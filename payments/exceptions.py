"""What can go wrong with the money, in words a pharmacist or customer can read.

One tree under ``PaymentProblem`` (an ``infra.errors.RxshopError``: a sentence and a stable code).
"""

from infra.errors import RxshopError


class PaymentProblem(RxshopError):
    """Base class: ``str(exc)`` is a sentence fit to show to staff or the customer."""

    code = "payment_problem"


class PaymentNotAllowed(PaymentProblem):
    """A money rule refuses the action (capture after void, above the authorised amount,
    twice; refund above what was captured; ship before the pharmacist dispensed)."""

    code = "payment_not_allowed"
    http_status = 409


class NoPaymentForOrder(PaymentProblem):
    """The order has no card authorisation to act on."""

    code = "no_payment_for_order"


class CardDeclined(PaymentProblem):
    """The bank declined the card, or 3-D Secure failed; no money was taken.

    ``decline_code`` is Stripe's reason when it gave one (``insufficient_funds``,
    ``expired_card``, ``card_declined``...), for the record and for what to tell the customer.
    """

    code = "card_declined"
    http_status = 402

    def __init__(self, message: str = "", *, code: str | None = None, decline_code: str = "") -> None:
        super().__init__(message, code=code)
        self.decline_code = decline_code


class AuthenticationRequired(CardDeclined):
    """Off-session: the bank wants the customer to confirm the payment (3-D Secure), and the
    customer is not there to do it. Nothing was taken; treated as a decline."""

    code = "authentication_required"


class CardNotSaved(PaymentProblem):
    """A card could not be saved for later payments (declined when set up, needs confirming each time)."""

    code = "card_not_saved"
    http_status = 402


class PaymentGatewayUnavailable(PaymentProblem):
    """Stripe could not be reached or failed, even after retries; nothing was recorded as done."""

    code = "payment_gateway_unavailable"
    http_status = 503
