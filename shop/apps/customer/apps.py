import oscar.apps.customer.apps as apps
from django.contrib.auth.decorators import login_required
from django.urls import path
from oscar.core.loading import get_class


class CustomerConfig(apps.CustomerConfig):
    """Oscar's account area, forked for account closure that keeps the pharmacy's
    records, for "Download my data" and for "About you" (the account holder's own details) (shop/apps/customer/views.py),
    and for account e-mails sent by a worker, never in the request (shop/apps/customer/tasks.py)."""

    name = "shop.apps.customer"

    def ready(self):
        super().ready()
        from django.db.models.signals import post_save
        from oscar.core.loading import get_model

        from .alerts.receivers import queue_product_alerts

        post_save.connect(
            queue_product_alerts, sender=get_model("partner", "StockRecord"), dispatch_uid="rxshop-queue-product-alerts"
        )
        self.my_data_view = get_class("customer.views", "MyDataView")
        self.about_me_view = get_class("customer.views", "AboutMeView")

    def get_urls(self):
        urls = super().get_urls()
        urls.append(path("my-data/", login_required(self.my_data_view.as_view()), name="my-data"))
        urls.append(path("about-me/", login_required(self.about_me_view.as_view()), name="about-me"))
        return urls
