"""The dashboard's navigation, worked out once per set of permissions.

Oscar builds the menu on every dashboard page: for each of its ~30 entries it
reverses and resolves the URL and checks the view's permissions (~2 ms of
every queue, review and dispense page). What a user sees depends on nothing
but whether they are active staff or a superuser and which permissions they
hold: oscar's ``default_access_fn`` and the access functions in
``settings.OSCAR_DASHBOARD_NAVIGATION`` read nothing else (a new access
function must keep to that). So the visible menu is kept per exactly that
key, in this process. A user given or denied a permission has a different
key on their next request and sees their new menu at once; the views check
permissions themselves either way.
"""

from __future__ import annotations

from django.core.signals import setting_changed
from django.dispatch import receiver
from oscar.apps.dashboard import menu as oscar_menu

_MAX_KEYS = 256  # a handful of roles in practice; a bound, not a tuning knob
_visible: dict[tuple, list] = {}


def _key(user) -> tuple:
    if not (user.is_authenticated and user.is_active):
        return (False,)
    return (True, user.is_staff, user.is_superuser, frozenset(user.get_all_permissions()))


def get_nodes(user):
    """Oscar's visible navigation nodes for this user (read-only: shared between requests)."""
    key = _key(user)
    nodes = _visible.get(key)
    if nodes is None:
        if len(_visible) >= _MAX_KEYS:
            _visible.clear()
        nodes = _visible[key] = oscar_menu.get_nodes(user)
    return nodes


@receiver(setting_changed)
def _forget_on_setting_change(setting, **kwargs):
    if setting in ("OSCAR_DASHBOARD_NAVIGATION", "OSCAR_DASHBOARD_DEFAULT_ACCESS_FUNCTION", "ROOT_URLCONF"):
        _visible.clear()
