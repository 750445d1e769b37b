"""Views: translate HTTP into service and selector calls (STYLE.md 3).

Every page about a prescription answers 404 to anyone but its owner (and the
file view also to pharmacy staff): no hint that an id exists. Ids in URLs are
random UUIDs.
"""

from __future__ import annotations

from functools import wraps

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST
from oscar.core.loading import get_model

from compliance.online import sold_online
from infra.clientip import client_ip
from infra.ratelimit import rate_limited
from prescriptions.drugs import drug_info

from . import autorefill, refills, selectors, services
from .clinical import current_profile
from .forms import AnswerForm, AttachForm, PrescriptionUploadForm, health_profile_form
from .models import Patient, PrescriptionStatus, ScanStatus, private_storage
from .uploads import Limits, SizeLimitedUploadHandler

Product = get_model("catalogue", "Product")

PAGE_SIZE = 20  # like oscar's order history; a page of 50 cost ~60 ms of template rendering


# --- Uploads: refuse early, stream safely ---------------------------------------------------

# Outermost on every view that takes files: a customer over RXSHOP_UPLOAD_RATE_LIMIT is
# answered 429 before a byte of the body is read (infra/ratelimit.py).
limit_uploads = rate_limited(
    "prescription-upload",
    setting="RXSHOP_UPLOAD_RATE_LIMIT",
    what=pgettext_lazy("you have …", "uploaded prescription files"),
)


def accepts_prescription_uploads(view):
    """For views that take prescription files.

    A request whose Content-Length is over the limit is answered 413 before a
    byte of its body is read. Otherwise files stream through
    ``SizeLimitedUploadHandler``, which skips any file past 10 MB as it
    arrives. The CSRF check runs after the handler is installed: the CSRF
    middleware would otherwise read the body first (Django docs, "Modifying
    upload handlers on the fly").
    """
    protected = csrf_protect(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST":
            limits = Limits.from_settings()
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limits.max_request_size:
                return render(
                    request,
                    "prescriptions/upload_too_large.html",
                    {"limits": limits, "page_title": _("Upload too large")},
                    status=413,
                )
            handler = SizeLimitedUploadHandler(request, limits=limits)
            request.upload_handlers.insert(0, handler)
            request.prescription_upload_handler = handler
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapped)


def _bound_data(request):
    """POST data and files, then what the upload handler refused while reading them."""
    data, files = request.POST, request.FILES  # parsing happens here
    handler = getattr(request, "prescription_upload_handler", None)
    return data, files, (handler.refusals if handler else [])


def _duplicate_message(duplicate: services.DuplicateFile):
    url = reverse("prescriptions:detail", kwargs={"public_id": duplicate.existing.prescription.public_id})
    return format_html('{} <a href="{}">{}</a>.', duplicate.message, url, _("See it in My prescriptions"))


def _user_basket_line(request, line_pk: int):
    basket = getattr(request, "basket", None)
    if basket is None or not basket.id or basket.owner_id != request.user.pk:
        raise Http404
    line = get_object_or_404(basket.lines.select_related("product"), pk=line_pk)
    if not drug_info(line.product).requires_prescription:
        raise Http404
    line.basket = basket
    return line


def _hold_for_retry(form, *, customer, token: str) -> tuple[str, list[str]]:
    """The form goes back to the customer: keep the files that passed the checks (newly chosen
    ones replace any held before), so the retry needs no new choice. Returns the note and names."""
    accepted = form.cleaned_data.get("files") if "files" not in form.errors else None
    if accepted and not form.uses_held:
        if token:
            services.release_held_files(customer=customer, token=token)
        token = services.hold_files(customer=customer, files=accepted)
    elif not form.uses_held:
        token = ""  # nothing usable chosen now, nothing held
    form.data = form.data.copy()
    form.data["held_files"] = token
    return token, services.held_names(customer=customer, token=token) if token else []


def _upload(request, *, product, line=None):
    customer = request.user
    from_product_page = line is None
    held_names: list[str] = []
    if request.method == "POST":
        data, files, refused = _bound_data(request)
        held_token = data.get("held_files", "")
        form = PrescriptionUploadForm(
            data,
            files,
            customer=customer,
            product=product,
            show_add_to_basket=from_product_page,
            refused_while_uploading=refused,
            held=services.held_files(customer=customer, token=held_token) if held_token else [],
        )
        if not form.is_valid():
            held_token, held_names = _hold_for_retry(form, customer=customer, token=held_token)
        else:
            try:
                prescription = services.submit_prescription(
                    customer=customer,
                    product=product,
                    prescriber=form.prescriber_details(),
                    quantity=form.cleaned_data["quantity"],
                    refills_authorized=form.cleaned_data["refills_authorized"],
                    files=form.cleaned_data["files"],
                    patient=form.cleaned_data.get("patient"),
                    patient_details=form.patient_details(),
                    basket_line=line,
                )
            except services.DuplicateFile as duplicate:
                form.add_error("files", _duplicate_message(duplicate))
            except services.PrescriptionError as error:
                form.add_error(None, error.message)
            else:
                if held_token:
                    services.release_held_files(customer=customer, token=held_token)
                received = _(
                    "Thank you: we have your prescription %(reference)s. "
                    "A licensed pharmacist will check it, usually within 4 business hours, and we will e-mail you."
                ) % {"reference": prescription.reference}
                if line is not None:
                    messages.success(request, received)
                    return redirect("basket:summary")
                if form.cleaned_data.get("add_to_basket"):
                    added = services.add_to_basket_with_prescription(
                        basket=request.basket,
                        prescription=prescription,
                        customer=customer,
                    )
                    if added is not None:
                        messages.success(
                            request,
                            received + " " + _("%(product)s is in your basket.") % {"product": product.get_title()},
                        )
                        return redirect("basket:summary")
                messages.success(request, received)
                return redirect("prescriptions:detail", public_id=prescription.public_id)
    else:
        form = PrescriptionUploadForm(customer=customer, product=product, show_add_to_basket=from_product_page)
    return render(
        request,
        "prescriptions/upload.html",
        {
            "form": form,
            "product": product,
            "line": line,
            "limits": Limits.from_settings(),
            "held_names": held_names,
            "page_title": _("Upload your prescription for %(product)s") % {"product": product.get_title()},
        },
    )


@limit_uploads
@accepts_prescription_uploads
@login_required
def upload_for_product(request, product_pk: int):
    product = get_object_or_404(Product.objects.filter(is_public=True), pk=product_pk)
    info = drug_info(product)
    if not info.requires_prescription:
        raise Http404
    if not sold_online(info.dea_schedule):
        messages.error(
            request, _("This is a controlled substance, which we cannot sell online; please use a local pharmacy.")
        )
        return redirect(product.get_absolute_url())
    return _upload(request, product=product)


@limit_uploads
@accepts_prescription_uploads
@login_required
def upload_for_line(request, line_pk: int):
    line = _user_basket_line(request, line_pk)
    return _upload(request, product=line.product, line=line)


@login_required
def attach_to_line(request, line_pk: int):
    line = _user_basket_line(request, line_pk)
    choices = selectors.attachable_prescriptions_for(request.user, line.product)
    if not choices.exists():
        messages.info(request, _("You have no prescription on file for this medicine yet: please upload it."))
        return redirect("prescriptions:upload-for-line", line_pk=line.pk)
    form = AttachForm(request.POST or None, prescriptions=choices)
    if request.method == "POST" and form.is_valid():
        prescription = form.cleaned_data["prescription"]
        try:
            services.attach_prescription_to_basket_line(line=line, prescription=prescription, customer=request.user)
        except services.CannotAttach as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Prescription %(reference)s is attached to %(product)s.")
                % {"reference": prescription.reference, "product": line.product.get_title()},
            )
            return redirect("basket:summary")
    return render(
        request,
        "prescriptions/attach.html",
        {
            "form": form,
            "line": line,
            "product": line.product,
            "page_title": _("Use a prescription on file for %(product)s") % {"product": line.product.get_title()},
        },
    )


# --- My prescriptions ----------------------------------------------------------------------------


@login_required
@require_GET
def prescription_list(request):
    page = Paginator(selectors.prescriptions_for_customer(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    infos = refills.refill_infos(page.object_list)
    autorefill.annotate(page.object_list, infos)
    for prescription in page.object_list:
        prescription.refill = infos.get(prescription.pk)
    return render(
        request,
        "prescriptions/customer/prescription_list.html",
        {
            "page_obj": page,
            "paginator": page.paginator,
            "prescriptions": page.object_list,
            "page_title": _("My prescriptions"),
            "active_tab": "prescriptions",
            "reminders_on": refills.account_reminders_on(request.user),
        },
    )


def _detail_context(request, prescription, answer_form=None):
    events = list(prescription.events.all())
    return {
        "prescription": prescription,
        "files": list(prescription.files.all()),
        "events": events,
        "questions": selectors.questions_and_answers(events),
        "answer_form": answer_form
        if answer_form is not None
        else (AnswerForm() if prescription.status == PrescriptionStatus.INFO_REQUESTED else None),
        "page_title": _("Prescription %(ref)s") % {"ref": prescription.reference},
        "active_tab": "prescriptions",
        "health_profile_missing": prescription.customer_id == request.user.pk
        and prescription.patient.account_id == request.user.pk
        and current_profile(prescription.patient) is None,
        "refill": _refill_with_auto_refill(prescription),
    }


def _refill_with_auto_refill(prescription):
    info = refills.refill_info(prescription)
    autorefill.annotate([prescription], {prescription.pk: info} if info is not None else {})
    return info


@login_required
@require_GET
def prescription_detail(request, public_id):
    prescription = selectors.prescription_for_customer(customer=request.user, public_id=public_id)
    if prescription is None:
        raise Http404
    return render(request, "prescriptions/customer/prescription_detail.html", _detail_context(request, prescription))


@limit_uploads
@accepts_prescription_uploads
@login_required
@require_POST
def answer_information_request(request, public_id):
    prescription = selectors.prescription_for_customer(customer=request.user, public_id=public_id)
    if prescription is None:
        raise Http404
    data, files, refused = _bound_data(request)
    form = AnswerForm(data, files, refused_while_uploading=refused)
    if form.is_valid():
        try:
            services.answer_information_request(
                prescription=prescription,
                customer=request.user,
                answer=form.cleaned_data.get("answer", ""),
                files=form.cleaned_data.get("files") or [],
            )
        except services.DuplicateFile as duplicate:
            form.add_error("files", _duplicate_message(duplicate))
        except services.PrescriptionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you: your answer is with our pharmacist."))
            return redirect("prescriptions:detail", public_id=prescription.public_id)
    return render(
        request,
        "prescriptions/customer/prescription_detail.html",
        _detail_context(request, prescription, answer_form=form),
        status=200,
    )


# --- The protected file view -------------------------------------------------------------------------


@xframe_options_sameorigin  # the review screen shows PDFs in an <iframe>; X_FRAME_OPTIONS is DENY elsewhere
@csp_replace({"frame-ancestors": ["'self'"]})  # likewise for the Content-Security-Policy
@login_required
@require_GET
def prescription_file(request, public_id):
    found = selectors.prescription_file_for_viewer(user=request.user, public_id=public_id)
    if found is None:
        raise Http404
    prescription_file, as_staff = found
    if not prescription_file.is_servable:
        text = (
            "This file is waiting for its virus scan; please try again in a minute."
            if prescription_file.scan_status == ScanStatus.PENDING
            else "This file was removed because a virus was found in it."
        )
        response = HttpResponse(text, status=409, content_type="text/plain; charset=utf-8")
        response["Cache-Control"] = "no-store, private"
        return response
    try:
        handle = private_storage().open(prescription_file.stored_name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    if as_staff:
        services.record_file_access(
            prescription_file=prescription_file,
            user=request.user,
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    response = FileResponse(
        handle,
        content_type=prescription_file.content_type,
        as_attachment=False,
        filename=prescription_file.download_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response


# --- Health information (drug-utilisation review) ----------------------------------------------


@login_required
@require_GET
def health_profiles(request):
    patients = Patient.objects.filter(account=request.user).order_by("relationship", "first_name", "id")
    return render(
        request,
        "prescriptions/customer/health_profiles.html",
        {
            "patients": [(patient, current_profile(patient)) for patient in patients],
            "page_title": _("Health information"),
            "active_tab": "health",
        },
    )


@login_required
def health_profile(request, public_id):
    patient = get_object_or_404(Patient, account=request.user, public_id=public_id)
    profile = current_profile(patient)
    form = health_profile_form(request.POST if request.method == "POST" else None, profile=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_patient_profile(patient=patient, actor=request.user, **form.entries())
        except services.PrescriptionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Health information of %(name)s saved.") % {"name": patient.full_name})
            return redirect("prescriptions:health")
    return render(
        request,
        "prescriptions/customer/health_profile.html",
        {
            "form": form,
            "patient": patient,
            "profile": profile,
            "page_title": _("Health information of %(name)s") % {"name": patient.full_name},
            "active_tab": "health",
        },
        status=400 if request.method == "POST" else 200,
    )
