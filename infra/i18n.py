"""The customer's language: English or Spanish (settings.LANGUAGES).

URLs are the same in both languages (no /es/ prefix): links in e-mails, on printed labels and
in Stripe's return addresses stay valid whatever language the reader uses. Django's
``LocaleMiddleware`` picks the language of a request from the ``django_language`` cookie, else
the browser's Accept-Language. The header switcher posts to ``set_language`` below, which sets
the cookie and, for a signed-in account, remembers the choice (``LanguagePreference``). On
sign-in the remembered choice is applied (the cookie is set on the sign-in answer), so the
shop speaks the customer's language on any device. Workers render e-mails inside
``language_of_recipient``: the recipient's language, not the language of whatever request
or worker happened to queue the e-mail.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.views.i18n import set_language as django_set_language

from .models import LanguagePreference

_LOGIN_LANGUAGE_ATTR = "_rxshop_sign_in_language"


def supported(code: str | None) -> str | None:
    """``code`` as one of settings.LANGUAGES (``es-mx`` -> ``es``), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def preferred_language(user) -> str | None:
    """The language the account chose, or None if it never chose one."""
    if user is None or not getattr(user, "pk", None):
        return None
    language = LanguagePreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return supported(language)


def remember_language(user, code: str) -> None:
    language = supported(code)
    if language is None or not getattr(user, "pk", None):
        return
    LanguagePreference.objects.update_or_create(user_id=user.pk, defaults={"language": language})


def recipient_language(*, user=None, email: str | None = None) -> str:
    """The language to write to someone in: the account's choice (found by the e-mail
    address for an order placed without signing in), else the shop's default language."""
    if user is None and email:
        user = get_user_model()._default_manager.filter(email__iexact=email.strip()).order_by("pk").first()
    return preferred_language(user) or settings.LANGUAGE_CODE


@contextlib.contextmanager
def language_of_recipient(*, user=None, email: str | None = None) -> Iterator[str]:
    """Render and send inside this block: templates, gettext and formats in the recipient's language."""
    language = recipient_language(user=user, email=email)
    with translation.override(language):
        yield language


def set_language(request):
    """Django's ``set_language`` (cookie, safe ``next`` redirect), and for a signed-in account
    the choice remembered for its next sign-in and its e-mails."""
    response = django_set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        remember_language(request.user, request.POST.get("language", ""))
    return response


def apply_language_on_sign_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: the account's remembered language wins over the browser's; an account
    that never chose keeps the one its customer picked before signing in, remembered now."""
    if request is None:
        return
    language = preferred_language(user)
    if language is None:
        chosen = supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
        if chosen:
            remember_language(user, chosen)
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language
    setattr(request, _LOGIN_LANGUAGE_ATTR, language)


class SignInLanguageCookieMiddleware:
    """Sets the language cookie on the sign-in answer (``apply_language_on_sign_in``), so every
    later request is in the account's language. Placed after ``LocaleMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        language = getattr(request, _LOGIN_LANGUAGE_ATTR, None)
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
