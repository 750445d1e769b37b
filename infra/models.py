from django.conf import settings
from django.db import models


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
