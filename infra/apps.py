from django.apps import AppConfig


class InfraConfig(AppConfig):
    """Shared infrastructure below the pharmacy domain: the outbox, send-once notifications,
    rate limits, the staff second factor, log redaction.

    The label stays ``pharmacy`` (these models lived in ``shop.pharmacy``): the tables,
    their migrations and the outbox rows already written carry over unchanged.
    """

    name = "infra"
    label = "pharmacy"
    verbose_name = "Infrastructure (outbox, notifications)"
