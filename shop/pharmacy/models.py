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
