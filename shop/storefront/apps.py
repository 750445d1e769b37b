from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "shop.storefront"
    label = "storefront"
    verbose_name = "Storefront"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import analytics
        from .selectors import forget_active_licences

        analytics.install()

        for signal in (post_save, post_delete):
            signal.connect(
                forget_active_licences,
                sender="compliance.PharmacyLicence",
                dispatch_uid=f"forget-active-licences-{signal is post_save}",
            )
