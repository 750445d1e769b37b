from django.apps import AppConfig


class PharmacyConfig(AppConfig):
    name = "shop.pharmacy"
    label = "pharmacy"
    verbose_name = "Pharmacy"
