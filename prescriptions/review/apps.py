"""The pharmacist review workspace: a section of oscar's dashboard mounted at
``/dashboard/pharmacy/`` by the forked dashboard app (``shop/apps/dashboard``).

Access is decided twice: here, by oscar's dashboard permissions (which also
drive the menu), and in every view by ``views.workspace_view`` (the permission
again, plus a passed second factor). Clinical decisions are checked a third
time in the services.
"""

from __future__ import annotations

from django.urls import path
from oscar.core.application import OscarDashboardConfig

from .permissions import ACCESS_WORKSPACE, DECIDE, TRANSCRIBE, VIEW_AUDIT_TRAIL


class ReviewConfig(OscarDashboardConfig):
    name = "prescriptions.review"
    label = "review"
    verbose_name = "Pharmacist review"

    # Oscar wraps every URL below in permissions_required(...): a view not in
    # the map needs ``default_permissions``.
    default_permissions = [ACCESS_WORKSPACE]
    permissions_map = {
        "pharmacy-transcribe": [ACCESS_WORKSPACE, TRANSCRIBE],
        "pharmacy-evaluate": [ACCESS_WORKSPACE, TRANSCRIBE],
        "pharmacy-verify": [ACCESS_WORKSPACE, DECIDE],
        "pharmacy-reject": [ACCESS_WORKSPACE, DECIDE],
        "pharmacy-request-information": [ACCESS_WORKSPACE, DECIDE],
        "pharmacy-profile": [ACCESS_WORKSPACE, TRANSCRIBE],
        "pharmacy-inspector": [VIEW_AUDIT_TRAIL],
        "pharmacy-history": [VIEW_AUDIT_TRAIL],
        "pharmacy-history-csv": [VIEW_AUDIT_TRAIL],
        "pharmacy-access-log": [VIEW_AUDIT_TRAIL],
        "pharmacy-access-log-csv": [VIEW_AUDIT_TRAIL],
        "pharmacy-transfer": [ACCESS_WORKSPACE, DECIDE],
    }

    def get_urls(self):
        from . import refill_views, views

        urls = [
            path("", views.queue, name="pharmacy-queue"),
            path("prescriptions/<uuid:public_id>/", views.review, name="pharmacy-review"),
            path("prescriptions/<uuid:public_id>/claim/", views.claim, name="pharmacy-claim"),
            path("prescriptions/<uuid:public_id>/release/", views.release, name="pharmacy-release"),
            path("prescriptions/<uuid:public_id>/transcription/", views.transcribe, name="pharmacy-transcribe"),
            path("prescriptions/<uuid:public_id>/checks/", views.evaluate, name="pharmacy-evaluate"),
            path("prescriptions/<uuid:public_id>/verify/", views.verify, name="pharmacy-verify"),
            path("prescriptions/<uuid:public_id>/reject/", views.reject, name="pharmacy-reject"),
            path(
                "prescriptions/<uuid:public_id>/request-information/",
                views.request_information,
                name="pharmacy-request-information",
            ),
            path("prescriptions/<uuid:public_id>/profile/", views.patient_profile, name="pharmacy-profile"),
            path("history/", views.inspector, name="pharmacy-inspector"),
            path("history/<uuid:public_id>/", views.history, name="pharmacy-history"),
            path("history/<uuid:public_id>/export.csv", views.history_csv, name="pharmacy-history-csv"),
            path("access-log/", views.access_log, name="pharmacy-access-log"),
            path("access-log/export.csv", views.access_log_csv, name="pharmacy-access-log-csv"),
            path("refills/", refill_views.refills_dashboard, name="pharmacy-refills"),
            path("transfers/<uuid:public_id>/", refill_views.work_transfer, name="pharmacy-transfer"),
        ]
        return self.post_process_urls(urls)
