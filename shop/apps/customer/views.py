"""Oscar's account views, with rxshop's changes (oscar's fork pattern: only the
classes defined here differ; get_class finds oscar's for the rest)."""

import json
import secrets

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic
from oscar.apps.customer.mixins import PageTitleMixin
from oscar.apps.customer.views import *  # noqa: F401,F403  (oscar's fork pattern)
from oscar.apps.customer.views import ChangePasswordView as CoreChangePasswordView
from oscar.apps.customer.views import OrderDetailView as CoreOrderDetailView
from oscar.apps.customer.views import OrderLineView as CoreOrderLineView
from oscar.apps.customer.views import ProfileDeleteView as CoreProfileDeleteView
from oscar.apps.customer.views import ProfileUpdateView as CoreProfileUpdateView
from oscar.core.loading import get_model

from infra import outbox
from infra.errors import show_error
from prescriptions import privacy
from prescriptions.orders import StatusForDisplay

Order = get_model("order", "Order")


# Oscar sends these notices inside the request; a worker sends them here (shop/apps/customer/tasks.py),
# after the change is committed. A nonce per change: two changes are two e-mails, a redelivery is one.


class ProfileUpdateView(CoreProfileUpdateView):
    def send_email_changed_email(self, old_user, new_email):
        outbox.enqueue(
            "shop.apps.customer.tasks.send_email_changed_email",
            old_user.pk,
            old_user.email,
            new_email,
            secrets.token_hex(8),
        )


class ChangePasswordView(CoreChangePasswordView):
    def send_password_changed_email(self):
        outbox.enqueue(
            "shop.apps.customer.tasks.send_password_changed_email", self.request.user.pk, secrets.token_hex(8)
        )


class ProfileDeleteView(CoreProfileDeleteView):
    """ "Delete my profile": the account is deleted, or, when the pharmacy must keep
    records about it, closed and anonymised (prescriptions/privacy.py)."""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["must_keep"] = privacy.must_keep(self.request.user)
        ctx["retention_years"] = privacy.retention_years()
        return ctx

    def form_valid(self, form):
        closed = privacy.close_account(customer=self.request.user)
        logout(self.request)
        if closed.deleted:
            messages.success(self.request, _("Your account has been deleted. Thank you for using rxshop Pharmacy."))
        else:
            messages.success(
                self.request,
                _(
                    "Your account is closed and your personal details have been removed from it. As the law requires, "
                    "we keep your prescription and order records for %(years)s years, then delete them."
                )
                % {"years": privacy.retention_years()},
            )
        return redirect(self.get_success_url())


class OrderLineView(CoreOrderLineView):
    def get_object(self, queryset=None):
        # oscar's raises DoesNotExist (a server error) for a line that is not on the order
        order = get_object_or_404(Order, user=self.request.user, number=self.kwargs["order_number"])
        return get_object_or_404(order.lines, id=self.kwargs["line_id"])


class MyDataView(PageTitleMixin, generic.TemplateView):
    """ "Download my data": a page that says what is in it, and the JSON file itself."""

    template_name = "oscar/customer/my_data.html"
    page_title = "Download my data"
    active_tab = "my-data"

    def get(self, request, *args, **kwargs):
        if request.GET.get("download") != "json":
            return super().get(request, *args, **kwargs)
        data = privacy.export_customer_data(customer=request.user)
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="rxshop-my-data-{timezone.localdate():%Y-%m-%d}.json"'
        response["Cache-Control"] = "no-store, private"
        return response


class AboutMeView(PageTitleMixin, generic.FormView):
    """ "About you": the account holder's own date of birth and address.

    The pharmacy must know the account holder is an adult before anything is paid for
    (RULES.md 3.7). Someone who uploads a prescription for themselves gives it then; a
    parent who orders only for a child gives it here. Once recorded it is shown, not
    edited: it is part of the pharmacy's records, and a correction goes through a pharmacist."""

    template_name = "oscar/customer/about_me.html"
    page_title = "About you"
    active_tab = "about-me"

    def get_form_class(self):
        from prescriptions.forms import OwnDetailsForm

        return OwnDetailsForm

    def own_record(self):
        from prescriptions.models import Patient

        return Patient.objects.filter(account=self.request.user, relationship=Patient.Relationship.SELF).first()

    def get_initial(self):
        return {"first_name": self.request.user.first_name, "last_name": self.request.user.last_name}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["own_record"] = self.own_record()
        ctx["next"] = _safe_next(self.request)
        return ctx

    def post(self, request, *args, **kwargs):
        if self.own_record() is not None:
            messages.error(request, _("Your details are already on file. To correct them, please contact us."))
            return redirect("customer:about-me")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        from prescriptions.services import PrescriptionError, record_own_details

        try:
            record_own_details(customer=self.request.user, details=form.patient_details())
        except PrescriptionError as exc:
            show_error(self.request, exc)
            return redirect("customer:about-me")
        messages.success(self.request, _("Thank you: your details are on file."))
        return redirect(_safe_next(self.request) or "customer:about-me")


def _safe_next(request) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    return (
        target
        if url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        else ""
    )


class OrderDetailView(CoreOrderDetailView):
    """Oscar's order page, its status shown in the customer's language (stored in English)."""

    def get_object(self, queryset=None):
        order = super().get_object(queryset)
        order.status = StatusForDisplay(order.status)
        return order
