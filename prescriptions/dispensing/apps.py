from django.apps import AppConfig


class DispensingConfig(AppConfig):
    name = "prescriptions.dispensing"
    label = "dispensing"
    verbose_name = "Dispensing"
