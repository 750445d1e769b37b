from django.conf import settings
from django.db import models
from django.utils import timezone

from .appendonly import AppendOnlyModel


class SentNotification(models.Model):
    """One row per notification that has been sent, keyed by what it is about.

    Celery delivers tasks at least once (``acks_late``); claiming the key in the
    same transaction as the send makes every notification task safe to run twice.
    """

    key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


class OutboxMessage(models.Model):
    """A Celery task recorded in the same transaction as the change that caused it
    (``infra.outbox``); ``sent_at`` is set once the broker accepted it."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["id"], condition=models.Q(sent_at__isnull=True), name="outbox_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"


class LanguagePreference(models.Model):
    """The language an account chose in the header switcher (``infra.i18n``): applied when it
    signs in, and the language of every e-mail sent to it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_preference")
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"


class AuthenticatorEvent(AppendOnlyModel):
    """Who gave, confirmed or took away a member of staff's second factor, when, from where:
    the security audit trail of staff authentication (HIPAA Security Rule, 45 CFR 164.312(d)).
    Written by ``shop.storefront.authenticators`` (the dashboard) and ``setup_pharmacy``
    (``actor`` empty: the operator at the command line). Append-only."""

    class Action(models.TextChoices):
        ACCOUNT_CREATED = "account_created", "Staff account created"
        ENROLMENT_STARTED = "enrolment_started", "Enrolment started (QR code shown)"
        CONFIRMED = "confirmed", "Authenticator confirmed"
        CONFIRMATION_FAILED = "confirmation_failed", "Wrong confirmation code"
        REVOKED = "revoked", "Authenticator revoked"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authenticator_events")
    action = models.CharField(max_length=30, choices=Action.choices)
    device_name = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ("-at", "-id")

    def __str__(self) -> str:
        return f"{self.action} for {self.staff_id} by {self.actor_id or 'setup_pharmacy'} at {self.at:%Y-%m-%d %H:%M}"
