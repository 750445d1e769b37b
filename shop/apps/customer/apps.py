import oscar.apps.customer.apps as apps
from django.contrib.auth.decorators import login_required
from django.urls import path
from oscar.core.loading import get_class


class CustomerConfig(apps.CustomerConfig):
    """Oscar's account area, forked for account closure that keeps the pharmacy's
    records and for "Download my data" (shop/apps/customer/views.py)."""

    name = "shop.apps.customer"

    def ready(self):
        super().ready()
        self.my_data_view = get_class("customer.views", "MyDataView")

    def get_urls(self):
        urls = super().get_urls()
        urls.append(path("my-data/", login_required(self.my_data_view.as_view()), name="my-data"))
        return urls
