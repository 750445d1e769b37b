"""Oscar's stock alert views; the confirmation e-mail to an anonymous visitor is sent by a
worker (shop/apps/customer/tasks.py), not while the page is answered."""
from oscar.apps.customer.alerts.views import *  # noqa: F401,F403  (oscar's fork pattern)
from oscar.apps.customer.alerts.views import ProductAlertCreateView as CoreProductAlertCreateView

from infra import outbox


class ProductAlertCreateView(CoreProductAlertCreateView):
    def form_valid(self, form):
        # oscar's CreateView.form_valid without oscar's in-request e-mail
        response = super(CoreProductAlertCreateView, self).form_valid(form)
        if self.object.is_anonymous:
            outbox.enqueue("shop.apps.customer.tasks.send_product_alert_confirmation_email", self.object.pk)
        return response
