"""No e-mail is ever sent while a web request is handled: every page only queues its
e-mail (infra.outbox) and a Celery worker sends it (README, "Operating rxshop", E-mail;
shop/settings.py EMAIL_TIMEOUT). A slow or hung mail server then delays mail, never a page.

The mail backend here refuses to send between Django's request_started and
request_finished signals; each request's on-commit work (the outbox hand-over to
Celery, which runs tasks in-process in tests) is held back and run only once the
response is complete, as a worker would run it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.signals import request_finished, request_started
from django.test import Client
from oscar.core.loading import get_model

from tests.factories import add_to_basket, checkout_to_preview, place_order, product, staff_client

pytestmark = pytest.mark.django_db

ProductAlert = get_model("customer", "ProductAlert")
_handling = []  # one entry while a request is being handled


def _started(**_):
    _handling.append(True)


def _finished(**_):
    if _handling:
        _handling.pop()


class RefusesDuringRequestsBackend(EmailBackend):
    """Django's test (locmem) backend, except that sending inside a request is an error."""

    def send_messages(self, messages):
        if _handling:
            raise AssertionError(f"an e-mail was sent while a request was handled: {[m.subject for m in messages]}")
        return super().send_messages(messages)


@pytest.fixture
def mail_only_after_requests(settings, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.RefusesDuringRequestsBackend"
    request_started.connect(_started, dispatch_uid="no-mail-in-requests")
    request_finished.connect(_finished, dispatch_uid="no-mail-in-requests")
    yield mailoutbox
    request_started.disconnect(dispatch_uid="no-mail-in-requests")
    request_finished.disconnect(dispatch_uid="no-mail-in-requests")
    _handling.clear()


@pytest.fixture
def handled(django_capture_on_commit_callbacks, mail_only_after_requests):
    """``handled(lambda: client.post(...))``: the request, then its queued work."""

    def run(request):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            response = request()
        assert not _handling, "the request is still being handled"
        with django_capture_on_commit_callbacks(execute=True):
            for callback in queued:
                callback()
        return response

    return run


def _sent_to(mailoutbox, address):
    return [m.subject for m in mailoutbox if address in m.to]


def test_the_backend_refuses_mail_during_a_request(mail_only_after_requests):
    request_started.send(sender=None)
    with pytest.raises(AssertionError, match="while a request was handled"):
        mail.send_mail("Hello", "body", None, ["someone@example.com"])
    request_finished.send(sender=None)
    mail.send_mail("Hello", "body", None, ["someone@example.com"])
    assert len(mail_only_after_requests) == 1


def test_registration(client, demo_shop, handled, mailoutbox):
    response = handled(
        lambda: client.post(
            "/accounts/register/",
            {"email": "new@example.com", "password1": "maple-Harbour-2026", "password2": "maple-Harbour-2026"},
        )
    )
    assert response.status_code == 200
    assert _sent_to(mailoutbox, "new@example.com")


def test_password_reset(client, alice, handled, mailoutbox):
    assert handled(lambda: client.post("/password-reset/", {"email": alice.email})).status_code == 302
    assert _sent_to(mailoutbox, alice.email)


def test_profile_e_mail_change_tells_the_old_address(alice_client, alice, handled, mailoutbox):
    response = handled(
        lambda: alice_client.post(
            "/accounts/profile/edit/",
            {"first_name": alice.first_name, "last_name": alice.last_name, "email": "alice.new@example.com"},
        )
    )
    assert response.status_code == 302, response.context["form"].errors
    (message,) = [m for m in mailoutbox if m.to == ["alice@example.com"]]
    assert "alice.new@example.com" in message.body and "/password-reset/confirm/" in message.body


def test_password_change(alice_client, alice, handled, mailoutbox):
    response = handled(
        lambda: alice_client.post(
            "/accounts/change-password/",
            {
                "old_password": "alice-demo-2026",
                "new_password1": "Quiet-river-2027",
                "new_password2": "Quiet-river-2027",
            },
        )
    )
    assert response.status_code == 302, response.context["form"].errors
    assert _sent_to(mailoutbox, alice.email)


def test_anonymous_product_alert_then_back_in_stock_at_checkout(alice_client, alice, localstripe, handled, mailoutbox):
    client = Client()  # a visitor who is not signed in
    item = product("OTC-LIPBALM")
    response = handled(lambda: client.post(f"/accounts/alerts/create/{item.pk}/", {"email": "watcher@example.com"}))
    assert response.status_code == 302
    (confirmation,) = [m for m in mailoutbox if m.to == ["watcher@example.com"]]
    alert = ProductAlert.objects.get(email="watcher@example.com")
    assert alert.get_confirm_url() in confirmation.body
    handled(lambda: client.get(alert.get_confirm_url()))
    alert.refresh_from_db()
    assert alert.status == ProductAlert.ACTIVE
    mailoutbox.clear()
    # Alice buys the product: the checkout allocates stock (StockRecord's post_save), which is
    # where oscar would send the "back in stock" e-mail inside the request.
    add_to_basket(alice_client, "OTC-LIPBALM")
    checkout_to_preview(alice_client)
    response = handled(lambda: place_order(alice_client))
    assert response.status_code == 302 and response["Location"] == "/checkout/thank-you/"
    assert _sent_to(mailoutbox, alice.email)  # the order confirmation
    assert _sent_to(mailoutbox, "watcher@example.com")  # back in stock
    alert.refresh_from_db()
    assert alert.status == ProductAlert.CLOSED


def test_staff_password_reset_from_the_dashboard(shop_admin, alice, handled, mailoutbox):
    admin = staff_client(shop_admin)
    response = handled(lambda: admin.post(f"/dashboard/users/{alice.pk}/password-reset/"))
    assert response.status_code == 302
    assert _sent_to(mailoutbox, alice.email)


def test_prescription_upload(alice_client, alice, handled, mailoutbox):
    from tests.factories import unique_pdf
    from tests.prescriptions.conftest import form_data, upload

    response = handled(
        lambda: alice_client.post(
            f"/prescriptions/upload/product/{product('RX-ISO-20').pk}/",
            {**form_data(), "files": [upload("prescription.pdf", unique_pdf())]},
        )
    )
    assert response.status_code == 302
    from prescriptions.models import Prescription

    assert Prescription.objects.filter(customer=alice).exists()


def test_checkout_place_order(alice_client, alice, localstripe, handled, mailoutbox):
    add_to_basket(alice_client, "OTC-LIPBALM")
    checkout_to_preview(alice_client)
    response = handled(lambda: place_order(alice_client))
    assert response.status_code == 302 and response["Location"] == "/checkout/thank-you/"
    assert _sent_to(mailoutbox, alice.email)


def test_e_mail_template_preview_from_the_dashboard(shop_admin, handled, mailoutbox):
    CommunicationEventType = get_model("communication", "CommunicationEventType")
    CommunicationEventType.objects.get_or_create(
        code="PASSWORD_CHANGED", defaults={"name": "Password changed", "category": CommunicationEventType.USER_RELATED}
    )
    admin = staff_client(shop_admin)
    response = handled(
        lambda: admin.post(
            "/dashboard/comms/PASSWORD_CHANGED/",
            {
                "name": "Password changed",
                "email_subject_template": "Your password changed",
                "email_body_template": "Hello {{ user.email }}",
                "email_body_html_template": "<p>Hello {{ user.email }}</p>",
                "preview_email": "preview@example.com",
                "send_preview": "1",
            },
        )
    )
    assert response.status_code == 200 and not response.context["form"].errors, response.context["form"].errors
    (preview,) = [m for m in mailoutbox if m.to == ["preview@example.com"]]
    assert preview.subject == "Your password changed" and shop_admin.email in preview.body
