"""Oscar's product-alert views, with two changes.

- The cancel link checks its ``next`` target: oscar's ``ProductAlertCancelView`` redirects to
  ``?next=`` unchecked, and the cancel link is the one an alert e-mail carries, so anyone could
  send a customer a link on our domain that lands on another site.
- The confirmation e-mail to an anonymous visitor is sent by a worker
  (shop/apps/customer/tasks.py), not while the page is answered.
"""

from __future__ import annotations

from oscar.apps.customer.alerts import views as oscar_views
from oscar.apps.customer.alerts.views import *  # noqa: F401,F403  (oscar's fork pattern)

from infra import outbox
from infra.redirects import safe_redirect_target


class ProductAlertCancelView(oscar_views.ProductAlertCancelView):
    def get_redirect_url(self, *args, **kwargs):
        return safe_redirect_target(self.request, self.request.GET.get("next"), self.alert.product.get_absolute_url())


class ProductAlertCreateView(oscar_views.ProductAlertCreateView):
    def form_valid(self, form):
        # oscar's CreateView.form_valid without oscar's in-request e-mail
        response = super(oscar_views.ProductAlertCreateView, self).form_valid(form)
        if self.object.is_anonymous:
            outbox.enqueue("shop.apps.customer.tasks.send_product_alert_confirmation_email", self.object.pk)
        return response
