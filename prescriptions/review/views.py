"""The workspace's views: HTTP in, service and selector calls, HTML out (STYLE.md 3).

Every view is wrapped twice: by oscar's dashboard permission decorator (from
``ReviewConfig.permissions_map``) and by ``workspace_view``, which checks the
permission again and the second factor (defence in depth: staff pass TOTP in
``StaffSecondFactorMiddleware`` already) and marks responses uncacheable.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from compliance.core import Severity, is_dur
from compliance.interactions import interaction_source
from infra.clientip import client_ip
from infra.errors import show_error
from infra.staff import staff_view
from prescriptions.clinical import current_profile
from prescriptions.forms import health_profile_form
from prescriptions.models import PrescriptionStatus as S
from prescriptions.services import PrescriptionError, record_patient_profile

from . import permissions, selectors, services
from .forms import (
    AccessLogFilterForm,
    InformationRequestForm,
    InspectorSearchForm,
    QueueFilterForm,
    RejectForm,
    TranscriptionForm,
    VerifyForm,
)


def workspace_view(permission: str | None = None):
    """Signed in, the workspace permission (and ``permission``), a passed second
    factor; the response is never cached. Anyone else sees no patient data."""
    return staff_view(
        lambda user: permissions.may_use_workspace(user) and (not permission or user.has_perm(permission))
    )


def _prescription_or_404(public_id):
    prescription = selectors.prescription_for_review(public_id=public_id)
    if prescription is None:
        raise Http404
    return prescription


def _review_url(prescription, anchor: str = "") -> str:
    url = reverse("dashboard:pharmacy-review", kwargs={"public_id": prescription.public_id})
    return f"{url}#{anchor}" if anchor else url


def _client(request) -> dict:
    return {"ip_address": client_ip(request), "user_agent": request.META.get("HTTP_USER_AGENT", "")}


# --- The queue ---------------------------------------------------------------------------


def _first_to_open(user, rows):
    """The row whose Open button has the focus (issue 20.10: the next one is Enter away): for a
    pharmacist the first transcribed one (ready to decide), for a technician the first not yet
    transcribed; else the first they may open."""
    openable = [row for row in rows if not row.is_claimed or row.claimed_by_me]
    ready = permissions.is_licensed_pharmacist(user)
    preferred = [row for row in openable if (row.transcription_version is not None) == ready]
    candidates = preferred or openable
    return candidates[0].public_id if candidates else None


@workspace_view()
@require_GET
def queue(request):
    form = QueueFilterForm(request.GET or None)
    filters = form.filters()
    page = selectors.review_queue(
        user=request.user,
        filters=filters,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
    )
    base_query = {
        k: v for k, v in {"status": filters.status, "programme": filters.programme, "claim": filters.claim}.items() if v
    }
    first_open = _first_to_open(request.user, page.rows)
    return render(
        request,
        "review/queue.html",
        {
            "form": form,
            "first_open": first_open,
            "filters": filters,
            "page": page,
            "counts": selectors.queue_counts(now=page.now),
            "next_url": f"?{urlencode({**base_query, 'after': page.next_cursor})}" if page.next_cursor else "",
            "previous_url": f"?{urlencode({**base_query, 'before': page.previous_cursor})}"
            if page.previous_cursor
            else "",
            "first_url": f"?{urlencode(base_query)}",
            "target_hours": selectors.target_hours(),
        },
    )


# --- The review screen ------------------------------------------------------------------------


def _warnings_and_blocks(prescription, transcription):
    """The findings to show for the current transcription, or None if it has not been evaluated."""
    if transcription is None or not transcription.is_evaluated:
        return None
    findings = transcription.latest_evaluation.findings
    general = [f for f in findings if not is_dur(f)]
    dur = [f for f in findings if is_dur(f)]
    return {
        "evaluation": transcription.latest_evaluation,
        "blocks": [f for f in general if f.severity is Severity.BLOCK],
        "warnings": [f for f in general if f.severity is Severity.WARN],
        # Drug-utilisation review: shown by review/partials/dur.html; every one needs a reason.
        "dur": dur,
        "needs_reason": [f for f in dur if f.severity is Severity.BLOCK]
        + [f for f in findings if f.severity is Severity.WARN],
    }


def _render_review(
    request, prescription, *, transcription_form=None, reject_form=None, info_form=None, verify_form=None, status=200
):
    user = request.user
    now = timezone.now()
    claim = selectors.active_claim(prescription, now=now)
    mine = claim is not None and claim.reviewer_id == user.pk
    transcription = getattr(prescription, "transcription", None)
    pharmacist = permissions.is_licensed_pharmacist(user)
    can_transcribe = mine and permissions.may_transcribe(user) and prescription.status in services.TRANSCRIBABLE
    checks = _warnings_and_blocks(prescription, transcription)
    if transcription_form is None:
        transcription_form = TranscriptionForm(
            instance=transcription,
            pharmacist=pharmacist,
            prefill=selectors.transcription_prefill(prescription) if can_transcribe and transcription is None else None,
        )
    context = {
        "prescription": prescription,
        "patient": prescription.patient,
        "customer": prescription.customer,
        "files": list(prescription.files.all()),
        "claim": claim,
        "claimed_by_me": mine,
        "claimable": prescription.status in services.CLAIMABLE,
        "transcription": transcription,
        "transcription_form": transcription_form,
        "can_transcribe": can_transcribe,
        "is_pharmacist": pharmacist,
        "can_decide": mine and pharmacist,
        "can_verify": mine and pharmacist and prescription.status == S.IN_REVIEW and checks is not None,
        "can_reject": mine and pharmacist and prescription.status in services.REJECTABLE,
        "can_ask": mine and pharmacist and prescription.status == S.IN_REVIEW,
        "checks": checks,
        "differences": selectors.transcription_differences(prescription, transcription),
        "profile": current_profile(prescription.patient),
        "interaction_source": interaction_source().name,
        "verify_form": verify_form or VerifyForm(initial={"version": transcription.version if transcription else 0}),
        "override_values": verify_form.overrides() if verify_form is not None else {},
        "reject_form": reject_form or RejectForm(),
        "info_form": info_form or InformationRequestForm(),
        "events": selectors.status_events(prescription),
        "earlier": selectors.earlier_prescriptions(prescription),
        "lines": selectors.lines_covered(prescription),
        "may_view_history": permissions.may_view_audit_trail(user),
        "same_person_rule": not services.same_person_may_transcribe_and_verify(),
        "transcribed_by_me": transcription is not None
        and prescription.transcription_changes.filter(changed_by=user).exists(),
    }
    return render(request, "review/review.html", context, status=status)


@workspace_view()
@require_GET
def review(request, public_id):
    return _render_review(request, _prescription_or_404(public_id))


def _run(request, prescription, action, success: str | None = None, anchor: str = ""):
    """Call a service; its refusals become messages (403 for a role that may not)."""
    try:
        result = action()
    except services.NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except (services.ReviewError, PrescriptionError) as error:
        show_error(request, error)
        return None, redirect(_review_url(prescription, anchor))
    if success:
        messages.success(request, success)
    return result, None


@workspace_view()
@require_POST
def claim(request, public_id):
    prescription = _prescription_or_404(public_id)
    _, refused = _run(
        request,
        prescription,
        lambda: services.claim_for_review(
            prescription=prescription, reviewer=request.user, ip_address=client_ip(request)
        ),
    )
    return refused or redirect(_review_url(prescription))


@workspace_view()
@require_POST
def release(request, public_id):
    prescription = _prescription_or_404(public_id)
    if services.release_claim(prescription=prescription, reviewer=request.user) is not None:
        messages.info(request, f"You released prescription {prescription.reference}; it is back in the queue.")
    return redirect("dashboard:pharmacy-queue")


@workspace_view(permissions.TRANSCRIBE)
@require_POST
def transcribe(request, public_id):
    prescription = _prescription_or_404(public_id)
    transcription = getattr(prescription, "transcription", None)
    form = TranscriptionForm(
        request.POST, instance=transcription, pharmacist=permissions.is_licensed_pharmacist(request.user)
    )
    if not form.is_valid():
        messages.error(request, "The transcription was not saved: correct the fields marked below.")
        prescription = _prescription_or_404(public_id)
        return _render_review(request, prescription, transcription_form=form, status=400)
    _, refused = _run(
        request,
        prescription,
        lambda: services.save_transcription(
            prescription=prescription,
            user=request.user,
            data=form.data_for_service(),
            expected_version=form.cleaned_data["version"],
            ip_address=client_ip(request),
        ),
        success="Transcription saved and checked.",
        anchor="transcription",
    )
    return refused or redirect(_review_url(prescription, "checks"))


@workspace_view(permissions.TRANSCRIBE)
@require_POST
def evaluate(request, public_id):
    prescription = _prescription_or_404(public_id)
    _, refused = _run(
        request,
        prescription,
        lambda: services.evaluate_transcription(prescription=prescription, user=request.user),
        success="Checks run again.",
    )
    return refused or redirect(_review_url(prescription, "checks"))


@workspace_view(permissions.DECIDE)
@require_POST
def verify(request, public_id):
    prescription = _prescription_or_404(public_id)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The form was incomplete; please try again.")
        return redirect(_review_url(prescription, "decide"))
    try:
        services.verify_prescription(
            prescription=prescription,
            pharmacist=request.user,
            expected_version=form.cleaned_data["version"],
            warning_overrides=form.overrides(),
            note=form.cleaned_data["note"],
            **_client(request),
        )
    except services.NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except services.VerificationRefused as refused:
        show_error(request, refused)
        prescription = _prescription_or_404(public_id)
        return _render_review(request, prescription, verify_form=form, status=409)
    except (services.ReviewError, PrescriptionError) as error:
        show_error(request, error)
        return redirect(_review_url(prescription, "decide"))
    messages.success(request, f"Prescription {prescription.reference} verified. The customer has been told.")
    if request.POST.get("then") == "next":
        return _open_next(request)
    return redirect("dashboard:pharmacy-queue")


def _open_next(request):
    """ "Verify and open next": claim the next prescription ready for this pharmacist (the
    queue's first unclaimed one, transcribed first) and show it; the queue if there is none."""
    for candidate in selectors.next_for_review(user=request.user):
        try:
            services.claim_for_review(prescription=candidate, reviewer=request.user, ip_address=client_ip(request))
        except (services.ReviewError, services.NotPermitted, PrescriptionError):
            continue  # taken meanwhile, or one this pharmacist may not review
        return redirect(_review_url(candidate))
    messages.info(request, "Nothing else is waiting for you in the queue.")
    return redirect("dashboard:pharmacy-queue")


@workspace_view(permissions.DECIDE)
@require_POST
def reject(request, public_id):
    prescription = _prescription_or_404(public_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not rejected: choose a reason and write the message to the customer.")
        return _render_review(request, prescription, reject_form=form, status=400)
    _, refused = _run(
        request,
        prescription,
        lambda: services.reject_prescription(
            prescription=prescription,
            pharmacist=request.user,
            reason_code=form.cleaned_data["reason_code"],
            message_to_customer=form.cleaned_data["message_to_customer"],
            note=form.cleaned_data["note"],
            **_client(request),
        ),
        success=f"Prescription {prescription.reference} rejected. The customer has been told.",
        anchor="decide",
    )
    return refused or redirect("dashboard:pharmacy-queue")


@workspace_view(permissions.DECIDE)
@require_POST
def request_information(request, public_id):
    prescription = _prescription_or_404(public_id)
    form = InformationRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not sent: write the question to the customer.")
        return _render_review(request, prescription, info_form=form, status=400)
    _, refused = _run(
        request,
        prescription,
        lambda: services.request_information(
            prescription=prescription,
            pharmacist=request.user,
            question=form.cleaned_data["question"],
            note=form.cleaned_data["note"],
            **_client(request),
        ),
        success=f"Question sent to the customer about prescription {prescription.reference}.",
        anchor="decide",
    )
    return refused or redirect("dashboard:pharmacy-queue")


# --- The inspector ------------------------------------------------------------------------------


@workspace_view(permissions.VIEW_AUDIT_TRAIL)
@require_GET
def inspector(request):
    form = InspectorSearchForm(request.GET or None)
    if form.is_valid():
        found = selectors.find_prescription(form.cleaned_data["reference"])
        if found is not None:
            return redirect("dashboard:pharmacy-history", public_id=found.public_id)
        form.add_error("reference", "No prescription has that reference.")
    return render(request, "review/inspector.html", {"form": form, "decisions": selectors.recent_decisions()})


@workspace_view(permissions.VIEW_AUDIT_TRAIL)
@require_GET
def history(request, public_id):
    prescription = _prescription_or_404(public_id)
    return render(
        request,
        "review/history.html",
        {
            "prescription": prescription,
            "entries": selectors.prescription_history(prescription),
        },
    )


CSV_COLUMNS = ("time_utc", "prescription", "kind", "actor", "ip_address", "summary", "details")


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run: text from customers (answers,
    names, user agents) starting with = + - @ is prefixed with a quote."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@workspace_view(permissions.VIEW_AUDIT_TRAIL)
@require_GET
def history_csv(request, public_id):
    prescription = _prescription_or_404(public_id)
    entries = selectors.prescription_history(prescription)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                _cell(value)
                for value in (
                    entry.at.astimezone(datetime.UTC).isoformat(),
                    prescription.reference,
                    entry.kind_label,
                    entry.actor,
                    entry.ip_address,
                    entry.summary,
                    "; ".join(f"{label}: {value}" for label, value in entry.details),
                )
            ]
        )
    body = buffer.getvalue().encode("utf-8")
    services.record_history_export(
        prescription=prescription,
        user=request.user,
        row_count=len(entries),
        sha256=hashlib.sha256(body).hexdigest(),
        ip_address=client_ip(request),
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{prescription.reference}-history-{stamp}.csv"'
    return response


# --- The access log (the inspector) ---------------------------------------------------------------

ACCESS_LOG_FILTERS = ("staff", "customer", "order_number", "date_from", "date_to")
ACCESS_LOG_COLUMNS = (
    "time_utc",
    "log",
    "staff_member",
    "staff_email",
    "what",
    "path",
    "prescription",
    "order_number",
    "customer_id",
    "customer_email",
    "ip_address",
    "user_agent",
)


@workspace_view(permissions.VIEW_AUDIT_TRAIL)
@require_GET
def access_log(request):
    """Every logged staff look at a patient's data, newest first: the pages (prescriptions.audit)
    and the file opens. Opening it is itself logged (it shows whose data was seen)."""
    form = AccessLogFilterForm(request.GET or None)
    query = {name: request.GET[name] for name in ACCESS_LOG_FILTERS if request.GET.get(name)}
    page = None
    if not form.is_bound or form.is_valid():
        page = selectors.access_log(
            filters=form.filters(), after=request.GET.get("after"), before=request.GET.get("before")
        )
    return render(
        request,
        "review/access_log.html",
        {
            "form": form,
            "page": page,
            "first_url": f"?{urlencode(query)}",
            "next_url": f"?{urlencode({**query, 'after': page.next_cursor})}" if page and page.next_cursor else "",
            "previous_url": f"?{urlencode({**query, 'before': page.previous_cursor})}"
            if page and page.previous_cursor
            else "",
            "csv_url": reverse("dashboard:pharmacy-access-log-csv") + (f"?{urlencode(query)}" if query else ""),
        },
    )


@workspace_view(permissions.VIEW_AUDIT_TRAIL)
@require_GET
def access_log_csv(request):
    form = AccessLogFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "review/access_log.html", {"form": form, "page": None}, status=400)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ACCESS_LOG_COLUMNS)
    for row in selectors.access_log_rows(filters=form.filters()):
        writer.writerow(
            [
                _cell(value)
                for value in (
                    row.at.astimezone(datetime.UTC).isoformat(),
                    "page view" if row.log == selectors.VIEW else "file open",
                    row.staff.get_full_name(),
                    row.staff.email,
                    row.what,
                    row.path,
                    row.prescription.reference if row.prescription else "",
                    row.order_number,
                    row.customer_id if row.customer_id is not None else "",
                    row.customer.email if row.customer else "",
                    row.ip_address or "",
                    row.user_agent,
                )
            ]
        )
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.csv"'
    return response


@workspace_view()
def patient_profile(request, public_id):
    """The pharmacist (or technician) adds to the patient's health information, or maps a medicine
    the customer typed to its ingredient; a new version is kept with their name."""
    prescription = _prescription_or_404(public_id)
    patient = prescription.patient
    profile = current_profile(patient)
    form = health_profile_form(request.POST if request.method == "POST" else None, profile=profile)
    note = request.POST.get("note", "") if request.method == "POST" else ""
    if request.method == "POST" and form.is_valid():
        try:
            record_patient_profile(patient=patient, actor=request.user, note=note, **form.entries())
        except PrescriptionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Health information saved. Run the checks again to screen against it.")
            return redirect(_review_url(prescription, "dur"))
    return render(
        request,
        "review/profile.html",
        {"form": form, "patient": patient, "profile": profile, "prescription": prescription, "note": note},
        status=400 if request.method == "POST" else 200,
    )
