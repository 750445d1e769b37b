"""Pharmacy staff: who counts as staff, and the second factor they must pass.

Staff see patient data, so every page is closed to a staff account until it
has passed a TOTP second factor in this session (django-otp). Customers are
not affected.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse

STAFF_GROUPS = ("Pharmacist", "Pharmacy technician", "Shop administrator")

_EXEMPT_PREFIXES = (
    "/accounts/logout/",
    "/static/",
    "/i18n/",
    "/pharmacy/staff/verify/",
    "/pharmacy/contact/",
    "/pharmacy/policies/",
    "/stripe/webhook/",
    "/healthz",
    "/readyz",
)  # probes carry no session and show no data


def is_staff_member(user) -> bool:
    """True for shop staff and anyone in a pharmacy role. Cached on the user.

    The signed-in user of a request comes with the answer (``StaffAwareBackendMixin``):
    the role is read with the user's own row, in the same query, on every request, so a
    revoked role counts from the next request, and a customer's page costs no extra query.
    """
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_rx_is_staff_member", None)
    if cached is None:
        in_group = getattr(user, IN_STAFF_GROUP, None)
        if in_group is None:
            in_group = user.groups.filter(name__in=STAFF_GROUPS).exists()
        cached = bool(user.is_staff or user.is_superuser or in_group)
        user._rx_is_staff_member = cached
    return cached


IN_STAFF_GROUP = "rx_in_staff_group"


class StaffAwareBackendMixin:
    """For the authentication backends: load the session's user with whether they hold a
    pharmacy role (an ``EXISTS`` on their groups), one query instead of two."""

    def get_user(self, user_id):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models import Exists, OuterRef

        model = get_user_model()
        staff_groups = Group.objects.filter(user=OuterRef("pk"), name__in=STAFF_GROUPS)
        try:
            user = model._default_manager.annotate(**{IN_STAFF_GROUP: Exists(staff_groups)}).get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def has_second_factor(user) -> bool:
    return bool(getattr(user, "is_verified", lambda: False)())


def staff_view(allowed: Callable[[object], bool], refusal: str = ""):
    """A staff page: signed in (else the dashboard's sign-in), ``allowed(user)`` (else 403 with
    ``refusal``), a passed second factor; the answer is never cached (it shows patient data
    or keys). One guard for every staff screen outside oscar's dashboard views."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("dashboard:login"))
            if not allowed(user):
                raise PermissionDenied(refusal)
            if not has_second_factor(user):
                raise PermissionDenied("Pass the second factor (authenticator code) first.")
            response = view(request, *args, **kwargs)
            response["Cache-Control"] = "no-store, private"
            return response

        return wrapped

    return decorate


class StaffSecondFactorMiddleware:
    """Send a staff member who has not passed the second factor to verify it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and is_staff_member(user)
            and not has_second_factor(user)
            and not request.path.startswith(_EXEMPT_PREFIXES)
        ):
            target = reverse("pharmacy:staff-verify")
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        if user is not None and is_staff_member(user):
            _slide_staff_session(request.session)
        return self.get_response(request)


# The staff session's expiry slides with activity; it is moved (and the session
# written) at most once a minute, not on every page: an 8-hour idle timeout is
# kept to within a minute without a database write per request.
_SLIDE_EVERY_SECONDS = 60
_SLID_AT = "rx_staff_expiry_slid_at"


def _slide_staff_session(session) -> None:
    now = int(time.time())
    seconds = settings.RXSHOP_STAFF_SESSION_SECONDS
    if session.get_expiry_age() != seconds or now - session.get(_SLID_AT, 0) >= _SLIDE_EVERY_SECONDS:
        session.set_expiry(seconds)
        session[_SLID_AT] = now
