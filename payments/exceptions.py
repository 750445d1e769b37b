"""What can go wrong with the money, in words a pharmacist or customer can read."""


class PaymentProblem(Exception):
    """Base class: ``str(exc)`` is a sentence fit to show to staff or the customer."""


class PaymentNotAllowed(PaymentProblem):
    """A money rule refuses the action (capture after void, above the authorised amount,
    twice; refund above what was captured; ship before the pharmacist dispensed)."""


class NoPaymentForOrder(PaymentProblem):
    """The order has no card authorisation to act on."""


class CardDeclined(PaymentProblem):
    """The bank declined the card, or 3-D Secure failed; no money was taken."""


class PaymentGatewayUnavailable(PaymentProblem):
    """Stripe could not be reached or failed, even after retries; nothing was recorded as done."""
