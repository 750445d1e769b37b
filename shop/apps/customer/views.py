"""Oscar's account views, with rxshop's changes (oscar's fork pattern: only the
classes defined here differ; get_class finds oscar's for the rest)."""
import json

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import generic
from oscar.apps.customer.mixins import PageTitleMixin
from oscar.apps.customer.views import *  # noqa: F401,F403  (oscar's fork pattern)
from oscar.apps.customer.views import OrderLineView as CoreOrderLineView
from oscar.apps.customer.views import ProfileDeleteView as CoreProfileDeleteView
from oscar.core.loading import get_model

from shop.pharmacy import privacy

Order = get_model("order", "Order")


class ProfileDeleteView(CoreProfileDeleteView):
    """"Delete my profile": the account is deleted, or, when the pharmacy must keep
    records about it, closed and anonymised (shop/pharmacy/privacy.py)."""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["must_keep"] = privacy.must_keep(self.request.user)
        ctx["retention_years"] = privacy.retention_years()
        return ctx

    def form_valid(self, form):
        closed = privacy.close_account(customer=self.request.user)
        logout(self.request)
        if closed.deleted:
            messages.success(self.request, "Your account has been deleted. Thank you for using rxshop Pharmacy.")
        else:
            messages.success(self.request, (
                "Your account is closed and your personal details have been removed from it. As the law requires, "
                f"we keep your prescription and order records for {privacy.retention_years()} years, then delete them."))
        return redirect(self.get_success_url())


class OrderLineView(CoreOrderLineView):
    def get_object(self, queryset=None):
        # oscar's raises DoesNotExist (a server error) for a line that is not on the order
        order = get_object_or_404(Order, user=self.request.user, number=self.kwargs["order_number"])
        return get_object_or_404(order.lines, id=self.kwargs["line_id"])


class MyDataView(PageTitleMixin, generic.TemplateView):
    """"Download my data": a page that says what is in it, and the JSON file itself."""

    template_name = "oscar/customer/my_data.html"
    page_title = "Download my data"
    active_tab = "my-data"

    def get(self, request, *args, **kwargs):
        if request.GET.get("download") != "json":
            return super().get(request, *args, **kwargs)
        data = privacy.export_customer_data(customer=request.user)
        response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False),
                                content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="rxshop-my-data-{timezone.localdate():%Y-%m-%d}.json"')
        response["Cache-Control"] = "no-store, private"
        return response
