from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_save


class PrescriptionsConfig(AppConfig):
    name = "prescriptions"
    verbose_name = "Prescriptions"

    def ready(self) -> None:
        from payments.signals import authorisation_voided

        from . import fulfilment, orders
        from .checks import check_virus_scanning
        from .pharmacy import forget_pharmacy_details

        # Settings' oscar status pipelines must say what the order-status door says.
        checks.register(orders.check_status_pipelines)
        checks.register(check_virus_scanning, checks.Tags.security, deploy=True)
        # The footer's cached particulars follow the profile, however it is saved (the admin too).
        post_save.connect(
            forget_pharmacy_details,
            sender="prescriptions.PharmacyProfile",
            dispatch_uid="prescriptions-forget-pharmacy-details",
        )
        # Payments announces a void it did not do itself (Stripe cancelled); the order follows here.
        authorisation_voided.connect(fulfilment.on_authorisation_voided, dispatch_uid="prescriptions-order-voided")
