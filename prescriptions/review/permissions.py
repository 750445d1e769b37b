"""Who may do what in the review workspace (roles in ``prescriptions/roles.py``).

- ``ACCESS_WORKSPACE``: open the queue and the review screen, claim and release.
- ``TRANSCRIBE``: step 1, transcribe the prescription (technician, pharmacist).
- ``DECIDE``: step 2, verify, reject or ask the customer (pharmacist only).
- ``VIEW_AUDIT_TRAIL``: the inspector view, the histories, the access log and their CSV exports.

A clinical decision needs ``DECIDE`` granted through a group or to the user
themself: a superuser does not get it for free (``is_licensed_pharmacist``),
so the shop administrator's all-powerful account cannot verify a prescription.
"""

from __future__ import annotations

ACCESS_WORKSPACE = "review.access_workspace"
TRANSCRIBE = "review.transcribe_prescription"
DECIDE = "review.decide_prescription"
VIEW_AUDIT_TRAIL = "review.view_audit_trail"

# The model permissions the workspace relies on in other apps.
FILE_VIEW = "prescriptions.view_prescriptionfile"  # the protected file view
TRANSITION = "prescriptions.review_prescription"  # prescriptions.services.actor_role


def _active(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def may_use_workspace(user) -> bool:
    return _active(user) and user.has_perm(ACCESS_WORKSPACE)


def may_transcribe(user) -> bool:
    return may_use_workspace(user) and user.has_perm(TRANSCRIBE)


def may_view_audit_trail(user) -> bool:
    return _active(user) and user.has_perm(VIEW_AUDIT_TRAIL)


def is_licensed_pharmacist(user) -> bool:
    """Holds the decision permission explicitly (group or user), not merely as superuser."""
    if not may_use_workspace(user):
        return False
    if not user.is_superuser:
        return user.has_perm(DECIDE)
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    app_label, codename = DECIDE.split(".")
    return Permission.objects.filter(
        Q(user=user) | Q(group__user=user),
        content_type__app_label=app_label,
        codename=codename,
    ).exists()
