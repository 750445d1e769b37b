"""The dashboard, forked to mount the pharmacy section (``prescriptions.review``)
at ``/dashboard/pharmacy/`` and to let pharmacy staff, who are not shop staff,
land on their queue from ``/dashboard/``."""

import oscar.apps.dashboard.apps as apps
from django.apps import apps as django_apps
from django.urls import include, path
from oscar.core.loading import get_class


class DashboardConfig(apps.DashboardConfig):
    name = "shop.apps.dashboard"

    def configure_permissions(self):
        super().configure_permissions()
        DashboardPermission = get_class("dashboard.permissions", "DashboardPermission")
        # Pharmacists and technicians may open /dashboard/; IndexView sends them to the queue.
        self.permissions_map = {
            **self.permissions_map,
            "index": (
                DashboardPermission.staff,
                DashboardPermission.partner_dashboard_access,
                ["review.access_workspace"],
            ),
        }

    def ready(self):
        super().ready()
        self.review_app = django_apps.get_app_config("review")

    def get_urls(self):
        from . import staff  # views import models: not at app-registry time

        urls = super().get_urls()
        # The dispense screens come before the review section's catch-all patterns.
        urls.append(path("pharmacy/dispense/", include("prescriptions.dispensing.urls")))
        urls.append(path("pharmacy/ship/", include("prescriptions.shipping.urls")))
        urls.append(path("pharmacy/", include(self.review_app.urls[0])))
        urls += [
            path("staff/", staff.staff_list, name="staff-authenticators"),
            path("staff/add/", staff.add_staff, name="staff-add"),
            path("staff/<int:pk>/enrol/", staff.enrol, name="staff-enrol"),
            path("staff/authenticator/<int:pk>/revoke/", staff.revoke, name="staff-revoke"),
        ]
        return urls
