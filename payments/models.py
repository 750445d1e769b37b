"""rxshop's own record of card money: the source of truth, not Stripe's.

Oscar's ``payment.Source`` and ``order.PaymentEvent`` ("Authorised",
"Captured", "Voided", "Refunded") are written too, so the dashboard shows the
money; these models add what oscar has no place for: the PaymentIntent, its
state, when the authorisation expires, who did what, and every Stripe event
received.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# Stripe cancels an uncaptured PaymentIntent 7 days after it was authorised.
AUTHORISATION_LIFETIME = timedelta(days=7)


class PaymentAuthorisation(models.Model):
    """One Stripe PaymentIntent (manual capture) for one order number.

    A checkout may take several attempts (a declined card, failed 3-D Secure);
    each attempt is a row. At most one row per order number is *live* (pending,
    awaiting authentication, authorised or captured): that is the one the order
    is paid with, and the one a repeated "Place order" reuses.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Created, not yet confirmed"
        REQUIRES_ACTION = "requires_action", "Awaiting 3-D Secure"
        AUTHORISED = "authorised", "Authorised (not captured)"
        CAPTURED = "captured", "Captured"
        VOIDED = "voided", "Voided"
        FAILED = "failed", "Failed"

    LIVE_STATES = (State.PENDING, State.REQUIRES_ACTION, State.AUTHORISED, State.CAPTURED)

    order = models.ForeignKey(
        "order.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_authorisations",
    )
    order_number = models.CharField(max_length=128, db_index=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    # Null only while the row claims the order number, before Stripe is called.
    intent_id = models.CharField("PaymentIntent", max_length=255, unique=True, null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING, db_index=True)
    currency = models.CharField(max_length=3)
    amount_authorised = models.DecimalField(max_digits=12, decimal_places=2)
    amount_captured = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    amount_refunded = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    card_label = models.CharField(max_length=64, blank=True)
    failure_message = models.CharField(max_length=255, blank=True)
    void_reason = models.CharField(max_length=255, blank=True)
    authorised_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    # Set by webhook reconciliation when Stripe disagrees with these records.
    needs_review = models.BooleanField(default=False, db_index=True)
    review_note = models.TextField(blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    # Set when the card was charged off-session (the customer not present): an automatic refill
    # authorised on a card the customer saved for it, with their consent (``SavedCard``).
    saved_card = models.ForeignKey(
        "SavedCard", null=True, blank=True, on_delete=models.PROTECT, related_name="authorisations"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_number"],
                condition=Q(state__in=["pending", "requires_action", "authorised", "captured"]),
                name="payments_one_live_authorisation_per_order_number",
            ),
            models.UniqueConstraint(fields=["order_number", "attempt"], name="payments_unique_attempt"),
            models.CheckConstraint(
                condition=Q(amount_captured__lte=F("amount_authorised")),
                name="payments_captured_within_authorised",
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=F("amount_captured")),
                name="payments_refunded_within_captured",
            ),
        ]

    def __str__(self) -> str:
        return f"Order {self.order_number} · {self.intent_id} · {self.get_state_display()}"

    @property
    def is_partial_capture(self) -> bool:
        return self.state == self.State.CAPTURED and self.amount_captured < self.amount_authorised

    @property
    def refundable(self) -> Decimal:
        return self.amount_captured - self.amount_refunded

    def mark_authorised(self, *, at) -> None:
        self.state = self.State.AUTHORISED
        self.authorised_at = at
        self.expires_at = at + AUTHORISATION_LIFETIME
        self.failure_message = ""


class PaymentLogEntry(models.Model):
    """Append-only: who did what to the money, when, from which state to which, and why."""

    class Action(models.TextChoices):
        AUTHORISE = "authorise", "Authorise"
        AUTHENTICATE = "authenticate", "3-D Secure"
        DECLINE = "decline", "Declined"
        CAPTURE = "capture", "Capture"
        CAPTURE_FAILED = "capture_failed", "Capture failed"
        VOID = "void", "Void"
        VOID_FAILED = "void_failed", "Void failed"
        REFUND = "refund", "Refund"
        REFUND_FAILED = "refund_failed", "Refund failed"
        RECONCILE = "reconcile", "Reconciled with Stripe"

    authorisation = models.ForeignKey(PaymentAuthorisation, on_delete=models.PROTECT, related_name="log")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(max_length=255, blank=True)
    stripe_reference = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "payment log entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.amount or ''}"


class StripeEvent(models.Model):
    """Each Stripe webhook event id, stored once: a replay finds it and does nothing."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied to rxshop's records"
        CONSISTENT = "consistent", "Agrees with rxshop's records"
        FLAGGED = "flagged", "Disagrees: flagged for review, not applied"
        STALE = "stale", "Older than what rxshop already knows"
        UNMATCHED = "unmatched", "No PaymentIntent of ours"
        IGNORED = "ignored", "Type not handled"

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_created = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type} ({self.outcome})"


class RefundReason(models.TextChoices):
    """Why money is given back: the codes staff choose on the refund screen. The labels are
    translated (a refund's reason may reach the customer); the stored value is the code."""

    DAMAGED_IN_TRANSIT = "damaged_in_transit", _("Damaged in transit")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    NOT_DELIVERED = "not_delivered", _("Not delivered")
    CANCELLED_BEFORE_DISPENSE = "cancelled_before_dispense", _("Cancelled before dispense")
    COULD_NOT_DISPENSE = "could_not_dispense", _("Pharmacist could not dispense")
    OUTSIDE_RXSHOP = "outside_rxshop", _("Made in the Stripe dashboard")
    OTHER = "other", _("Other")


class Refund(models.Model):
    """One Stripe refund, recorded once by its Stripe id (rxshop's or one made in the Stripe
    dashboard and learnt from the ``charge.refunded`` webhook). Append-only."""

    authorisation = models.ForeignKey(PaymentAuthorisation, on_delete=models.PROTECT, related_name="refunds")
    stripe_refund_id = models.CharField(max_length=255, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    # The part of ``amount`` that gives back shipping (the rest is lines, see oscar's
    # "Refunded" PaymentEvent and its line quantities).
    shipping_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    reason_code = models.CharField(max_length=40, choices=RefundReason.choices)
    note = models.TextField(blank=True)
    made_outside_rxshop = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.stripe_refund_id} {self.amount} ({self.get_reason_code_display()})"


class StripeCustomer(models.Model):
    """The Stripe Customer of one account: the holder of its saved cards."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stripe_customer")
    customer_id = models.CharField("Stripe Customer", max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.customer_id} (account {self.user_id})"


class SavedCard(models.Model):
    """A card the customer saved for payments made without them present (off-session): the
    Stripe PaymentMethod attached to their Stripe Customer by a SetupIntent (``usage=off_session``).

    Only what the customer is shown is kept (brand, last four digits, expiry): never the card
    number, which only Stripe holds. Removing the card detaches it at Stripe and sets
    ``removed_at``; the row stays, since authorisations made with it point to it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="saved_cards")
    customer_id = models.CharField("Stripe Customer", max_length=255)
    payment_method_id = models.CharField("PaymentMethod", max_length=255, unique=True)
    setup_intent_id = models.CharField("SetupIntent", max_length=255, blank=True)
    brand = models.CharField(max_length=32, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """What the customer recognises their card by: "Visa •••• 4242"."""
        return f"{(self.brand or 'card').title()} •••• {self.last4}"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None

    def expires_before(self, day) -> bool:
        """Whether the card's last valid month ends before ``day`` (a date)."""
        if not (self.exp_year and self.exp_month):
            return False
        return (self.exp_year, self.exp_month) < (day.year, day.month)
