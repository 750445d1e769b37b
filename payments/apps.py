from django.apps import AppConfig
from django.core import checks


class PaymentsConfig(AppConfig):
    name = "payments"
    label = "payments"
    verbose_name = "Payments (Stripe)"

    def ready(self) -> None:
        checks.register(check_stripe_settings, checks.Tags.security)


def check_stripe_settings(app_configs=None, **kwargs):
    """``manage.py check`` (and every server start) refuses a live key sent to a test server."""
    from django.core.exceptions import ImproperlyConfigured

    from .client import check_configuration

    try:
        check_configuration()
    except ImproperlyConfigured as exc:
        return [checks.Critical(str(exc), id="payments.E001")]
    return []
