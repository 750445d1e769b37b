"""Oscar's dashboard views, with one change: ``/dashboard/`` sends pharmacy
staff who are not shop staff to the review queue instead of the shop's sales
statistics, which they have no business seeing."""

from django.shortcuts import redirect
from oscar.apps.dashboard.views import IndexView as CoreIndexView
from oscar.apps.dashboard.views import LoginView  # noqa: F401  (get_class looks here first)


class IndexView(CoreIndexView):
    def get(self, request, *args, **kwargs):
        user = request.user
        if not (user.is_staff or user.has_perm("partner.dashboard_access")):
            return redirect("dashboard:pharmacy-queue")
        return super().get(request, *args, **kwargs)
