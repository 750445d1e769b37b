"""One exception convention for the whole project.

Every refusal a person should read — a rule, a payment, a state change that is not allowed —
is an ``RxshopError``: ``str(exc)`` is a sentence fit to show to a customer or a member of
staff, and ``exc.code`` is a stable, machine-readable code (for tests, logs and API clients)
that does not change when the wording does. Each package has its own subclass tree in its
``exceptions.py`` (``prescriptions.exceptions``, ``payments.exceptions``,
``shop.exceptions``; the compliance core refuses nothing itself: it returns findings, which
the domain turns into its own errors); services raise them and views translate them with
``show_error`` (a message on the next page) or let ``RxshopErrorMiddleware`` answer with the
error page. A broken invariant (a programming error) stays a ``RuntimeError``/``ValueError``
and is never caught.
"""

from __future__ import annotations

from django.contrib import messages
from django.template.response import TemplateResponse


class RxshopError(Exception):
    """Base of every domain refusal: a sentence for people and a stable code."""

    code = "refused"
    #: The HTTP status a view answers with when the refusal ends the request.
    http_status = 400

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self)


def show_error(request, exc: RxshopError) -> None:
    """The one way a view shows a refusal: its sentence as an error message on the next page."""
    messages.error(request, str(exc))


class RxshopErrorMiddleware:
    """A refusal no view caught still reaches the person as a sentence with a 4xx status,
    never as a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, RxshopError):
            return None
        return TemplateResponse(
            request,
            "pharmacy/refused.html",
            {"message": str(exception), "code": exception.code},
            status=exception.http_status,
        )
