"""Oscar's product-alert views; the cancel link checks its ``next`` target.

Oscar's ``ProductAlertCancelView`` redirects to ``?next=`` unchecked, and the cancel
link is the one an alert e-mail carries: anyone could send a customer a link on our
domain that lands on another site.
"""
from __future__ import annotations

from oscar.apps.customer.alerts import views as oscar_views

from infra.redirects import safe_redirect_target


class ProductAlertCancelView(oscar_views.ProductAlertCancelView):
    def get_redirect_url(self, *args, **kwargs):
        return safe_redirect_target(self.request, self.request.GET.get("next"),
                                    self.alert.product.get_absolute_url())
