from django.apps import AppConfig
from django.core import checks


class PrescriptionsConfig(AppConfig):
    name = "prescriptions"
    verbose_name = "Prescriptions"

    def ready(self) -> None:
        from payments.signals import authorisation_voided

        from . import fulfilment, orders

        # Settings' oscar status pipelines must say what the order-status door says.
        checks.register(orders.check_status_pipelines)
        # Payments announces a void it did not do itself (Stripe cancelled); the order follows here.
        authorisation_voided.connect(fulfilment.on_authorisation_voided, dispatch_uid="prescriptions-order-voided")
