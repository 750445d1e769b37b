"""Who a sign-in attempt is for, as django-axes counts failures (``AXES_USERNAME_CALLABLE``).

axes keys its failure counter on the username as typed, so ``Alice@Example.com``,
`` alice@example.com `` and ``ALICE@EXAMPLE.COM`` were three fresh sets of five
attempts against one account (oscar's e-mail backend signs in on the e-mail,
trimmed and case-insensitively). The counter is keyed on the account instead:
its id when an account matches, else the trimmed, case-folded text.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q


def canonical_login(text: str | None) -> str:
    return (text or "").strip().casefold()


def login_identity(request, credentials: dict | None = None) -> str:
    if credentials:
        typed = credentials.get("username")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        typed = data.get("username") or data.get("login-username")
    stripped = (typed or "").strip()
    if not stripped:
        return ""
    # axes also calls this after a success with the account's username (oscar's
    # registration makes it a hash, not the e-mail): match either.
    account = (
        get_user_model()
        ._default_manager.filter(Q(email__iexact=stripped) | Q(username=stripped))
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return f"account:{account}" if account is not None else canonical_login(stripped)
