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
    """The bank declined the card, or 3-D Secure failed; no money was taken."""

    code = "card_declined"
    http_status = 402


class PaymentGatewayUnavailable(PaymentProblem):
    """Stripe could not be reached or failed, even after retries; nothing was recorded as done."""

    code = "payment_gateway_unavailable"
    http_status = 503
