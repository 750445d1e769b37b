"""What payments tells the layers above it. Payments never sets an order's status;
when it learns something about the money by itself, it says so here."""

from django.dispatch import Signal

# Stripe cancelled the card authorisation of a placed order without rxshop asking
# (the ``payment_intent.canceled`` webhook: typically the 7-day hold expired). The
# void is already recorded; the order can no longer be paid for. Sent inside the
# transaction that recorded it, with ``order_id``, ``authorisation_id`` and
# ``reason``; ``prescriptions`` cancels the order through the order-status door.
# Not sent by ``services.void_payment``: whoever asks for a void moves the order itself.
authorisation_voided = Signal()
