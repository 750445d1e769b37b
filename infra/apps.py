from django.apps import AppConfig


class InfraConfig(AppConfig):
    """Shared infrastructure below the pharmacy domain: the outbox, send-once notifications,
    rate limits, the staff second factor, log redaction, the customer's language.

    The label stays ``pharmacy`` (these models lived in ``shop.pharmacy``): the tables,
    their migrations and the outbox rows already written carry over unchanged.
    """

    name = "infra"
    label = "pharmacy"
    verbose_name = "Infrastructure (outbox, notifications)"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .i18n import apply_language_on_sign_in

        user_logged_in.connect(apply_language_on_sign_in, dispatch_uid="rxshop-sign-in-language")
