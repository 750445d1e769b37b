"""Faults: a Celery worker that dies mid-task, and tasks delivered twice.

Already proven elsewhere, and not repeated here:
- the broker unreachable at Place order: tests/shop/test_outbox.py (the order is
  placed, its e-mail waits in the outbox and goes when the broker is back);
- Stripe answering 500 or timing out during capture, and a capture whose answer
  was lost: tests/payments/test_capture_retries.py (same idempotency key, never
  recorded as captured wrongly); during a dispense: test_faults_dispensing.py;
- webhooks replayed or out of order: tests/payments/test_webhooks.py.

A worker that dies mid-task leaves its message unacknowledged (``acks_late``)
and, when the pool process is killed, rejected back to the queue
(``reject_on_worker_lost``): the task runs again. So every task must be safe to
run twice, which the table below proves task by task. A new task without an
entry fails ``test_every_task_is_in_the_idempotency_table``.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from oscar.core.loading import get_model

from infra.models import OutboxMessage, SentNotification
from prescriptions import services
from prescriptions.models import PrescriptionEvent
from prescriptions.models import PrescriptionStatus as S
from shop.celery import app as celery_app
from tests.prescriptions.conftest import submit, verify

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")

OUR_PACKAGES = ("shop.", "prescriptions.", "compliance.")


def our_tasks() -> dict:
    celery_app.loader.import_default_modules()
    return {name: task for name, task in celery_app.tasks.items() if name.startswith(OUR_PACKAGES)}


def test_celery_is_configured_for_workers_that_die():
    conf = celery_app.conf
    assert conf.task_acks_late is True  # acknowledged after the task ran, not when received
    assert conf.task_reject_on_worker_lost is True  # a killed pool process puts the message back
    assert conf.worker_prefetch_multiplier == 1  # a dying worker holds at most one extra message
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]


def test_every_task_acknowledges_late_and_requeues_when_its_worker_is_lost():
    tasks = our_tasks()
    assert tasks, "no rxshop tasks registered?"
    early = [name for name, task in tasks.items() if not task.acks_late]
    assert not early, f"tasks acknowledged before they ran (set acks_late=True): {early}"
    dropped = [name for name, task in tasks.items() if task.reject_on_worker_lost is False]
    assert not dropped, f"tasks that would be lost with their worker: {dropped}"


# --- Run twice, one effect -----------------------------------------------------------------------


def _order(alice):
    from tests.security.world import build_order_for

    return build_order_for(alice)


# Each scenario sets the scene and returns the task call to make twice, and the e-mails expected.


def _twice_order_placed_email(alice, **_):
    from shop.storefront.tasks import send_order_placed_email

    order = _order(alice)
    return lambda: send_order_placed_email.delay(order.pk).get(), 1


def _twice_relay_outbox(alice, **_):
    from infra.tasks import relay_outbox
    from shop.storefront.tasks import send_order_placed_email

    order = _order(alice)
    OutboxMessage.objects.create(task_name=send_order_placed_email.name, args=[order.pk])  # left pending
    return lambda: relay_outbox.delay().get(), 1


def _twice_prescription_status_email(alice, pharmacist, **_):
    from prescriptions.tasks import send_prescription_status_email

    prescription = submit(alice)
    services.transition_prescription(prescription=prescription, to_status=S.IN_REVIEW, actor=pharmacist)
    event = PrescriptionEvent.objects.filter(prescription=prescription).latest("pk")
    return lambda: send_prescription_status_email.delay(event.pk).get(), 1


def _twice_file_removed_email(alice, **_):
    from prescriptions.tasks import send_file_removed_email

    file_id = submit(alice).files.get().pk
    return lambda: send_file_removed_email.delay(file_id).get(), 1


def _twice_expire_prescriptions(alice, pharmacist, **_):
    import datetime

    from django.utils import timezone

    from prescriptions.models import Prescription
    from prescriptions.tasks import expire_prescriptions

    prescription = verify(submit(alice), pharmacist)
    # The last fill date passes, as time would make it.
    Prescription.objects.filter(pk=prescription.pk).update(expires_on=timezone.localdate() - datetime.timedelta(days=1))

    def run():
        expired = expire_prescriptions.delay().get()
        assert PrescriptionEvent.objects.filter(prescription=prescription, to_status=S.EXPIRED).count() == 1
        return expired

    return run, 1  # the one "expired" e-mail


def _twice_authorisation_expired_email(alice, **_):
    from payments.tasks import send_authorisation_expired_email

    order = _order(alice)
    return lambda: send_authorisation_expired_email.delay(order.pk).get(), 1


def _twice_order_dispensed_email(alice, **_):
    from prescriptions.dispensing.tasks import send_order_dispensed_email

    order = _order(alice)
    return lambda: send_order_dispensed_email.delay(order.pk).get(), 1


def _twice_order_not_dispensed_email(alice, **_):
    from prescriptions.dispensing.tasks import send_order_not_dispensed_email

    order = _order(alice)
    return lambda: send_order_not_dispensed_email.delay(order.pk, ["The authorisation has expired."]).get(), 1


def _twice_delete_orphan_files(alice, **_):
    import datetime
    import os

    from prescriptions.models import private_storage
    from prescriptions.tasks import delete_orphan_files

    storage = private_storage()
    name = storage.save("prescriptions/orphan.pdf", ContentFile(b"%PDF-1.4 left behind"))
    old = (datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(days=1)).timestamp()
    os.utime(storage.path(name), (old, old))
    return lambda: delete_orphan_files.delay().get(), 0


def _twice_email_changed_email(alice, **_):
    from shop.apps.customer.tasks import send_email_changed_email

    return lambda: send_email_changed_email.delay(alice.pk, alice.email, "alice.new@example.com", "n1").get(), 1


def _twice_password_changed_email(alice, **_):
    from shop.apps.customer.tasks import send_password_changed_email

    return lambda: send_password_changed_email.delay(alice.pk, "n1").get(), 1


def _alert(alice, status):
    from oscar.test.factories import ProductAlertFactory

    from tests.factories import product

    alert = ProductAlertFactory(product=product("OTC-LIPBALM"), user=None, email="watcher@example.com")
    type(alert).objects.filter(pk=alert.pk).update(status=status)  # save() makes an anonymous alert unconfirmed
    return alert


def _twice_product_alert_confirmation_email(alice, **_):
    from shop.apps.customer.tasks import send_product_alert_confirmation_email

    alert = _alert(alice, "Unconfirmed")
    return lambda: send_product_alert_confirmation_email.delay(alert.pk).get(), 1


def _twice_product_alerts(alice, **_):
    from shop.apps.customer.tasks import send_product_alerts

    alert = _alert(alice, "Active")
    return lambda: send_product_alerts.delay(alert.product_id).get(), 1


def _twice_email_preview(**_):
    from shop.apps.customer.tasks import send_email_preview

    rendered = {"subject": "Preview", "body": "Hello", "html": ""}
    return lambda: send_email_preview.delay("preview@example.com", rendered, "n1").get(), 1


# task name -> its scenario, or where another test already proves it.
IDEMPOTENCY = {
    "shop.pharmacy.tasks.send_order_placed_email": _twice_order_placed_email,
    "shop.pharmacy.tasks.relay_outbox": _twice_relay_outbox,
    "prescriptions.tasks.send_prescription_status_email": _twice_prescription_status_email,
    "prescriptions.tasks.send_file_removed_email": _twice_file_removed_email,
    "prescriptions.tasks.expire_prescriptions": _twice_expire_prescriptions,
    "shop.payments.tasks.send_authorisation_expired_email": _twice_authorisation_expired_email,
    "prescriptions.dispensing.tasks.send_order_dispensed_email": _twice_order_dispensed_email,
    "prescriptions.dispensing.tasks.send_order_not_dispensed_email": _twice_order_not_dispensed_email,
    "prescriptions.tasks.delete_orphan_files": _twice_delete_orphan_files,
    "prescriptions.tasks.scan_prescription_file": "tests/prescriptions/test_virus_scan.py::test_scan_task_is_safe_to_run_twice",
    "shop.payments.tasks.void_expiring_authorisations": "tests/orders/test_expiry.py (the job runs again: nothing more happens)",
    "shop.payments.tasks.expire_authorisation": "tests/orders/test_expiry.py",
    "shop.payments.tasks.release_abandoned_authorisation": "tests/payments/test_expiry.py",
    "shop.storefront.tasks.send_account_activation_email": "tests/security/test_account_enumeration.py::test_registration_e_mails_are_sent_once_when_the_task_runs_twice",
    "shop.storefront.tasks.send_registration_attempt_email": "tests/security/test_account_enumeration.py::test_registration_e_mails_are_sent_once_when_the_task_runs_twice",
    "shop.storefront.tasks.send_password_reset_email": "tests/security/test_account_enumeration.py::test_registration_e_mails_are_sent_once_when_the_task_runs_twice",
    "shop.apps.customer.tasks.send_email_changed_email": _twice_email_changed_email,
    "shop.apps.customer.tasks.send_password_changed_email": _twice_password_changed_email,
    "shop.apps.customer.tasks.send_product_alert_confirmation_email": _twice_product_alert_confirmation_email,
    "shop.apps.customer.tasks.send_product_alerts": _twice_product_alerts,
    "shop.apps.customer.tasks.send_email_preview": _twice_email_preview,
    "prescriptions.tasks.send_parcel_shipped_email": "tests/orders/test_shipping.py::test_the_tracking_email_is_sent_once_when_the_task_runs_twice",
    "prescriptions.dispensing.tasks.flag_rmas_for_reversal": "tests/dispensing/test_gate_and_dispense.py::test_unused_rma_is_flagged_for_reversal_after_its_window",
    "prescriptions.tasks.run_auto_refills": "tests/prescriptions/test_auto_refill.py::test_the_job_places_one_order_on_the_allowed_day_which_the_pharmacist_dispenses_and_captures (the job run twice places one order: one run per enrolment and fill)",
    "prescriptions.tasks.send_auto_refill_stopped_email": "tests/prescriptions/test_auto_refill.py::test_a_declined_card_stops_it_and_tells_the_patient_in_their_language_without_an_order (the job run again and the task delivered twice send one e-mail)",
    "prescriptions.tasks.send_refill_reminders": "tests/prescriptions/test_refills.py::test_the_reminder_goes_out_once_from_the_new_york_day_it_is_due_and_names_no_drug (the job run twice sends nothing twice)",
    "prescriptions.tasks.send_refill_reminder": "tests/prescriptions/test_refills.py::test_the_reminder_goes_out_once_from_the_new_york_day_it_is_due_and_names_no_drug (the task delivered twice sends once)",
}


def test_every_task_is_in_the_idempotency_table():
    missing = sorted(set(our_tasks()) - set(IDEMPOTENCY))
    assert not missing, (
        "Celery may run a task twice (a worker dies, a message is redelivered). Prove these are safe to run "
        f"twice in tests/security/test_faults.py IDEMPOTENCY: {missing}"
    )


@pytest.mark.parametrize("task_name", [name for name, how in IDEMPOTENCY.items() if callable(how)])
def test_a_task_run_twice_has_one_effect(task_name, alice, pharmacist, mailoutbox, django_capture_on_commit_callbacks):
    assert task_name in our_tasks(), f"{task_name} is listed in IDEMPOTENCY but is not a registered task"
    # The scene is set without running its on-commit work (e.g. the status e-mail of the event).
    run, emails = IDEMPOTENCY[task_name](alice=alice, pharmacist=pharmacist)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = run()
    with django_capture_on_commit_callbacks(execute=True):
        second = run()
    assert len(mailoutbox) == emails, [m.subject for m in mailoutbox]
    assert (first, second) in ((True, False), (1, 0)), (first, second)  # done now, then nothing to do


def test_a_worker_that_dies_while_sending_sends_once_when_the_task_runs_again(alice, mailoutbox, monkeypatch):
    """The process dies inside ``send()``: the claim on the notification rolls back
    with it, so the redelivered task sends the e-mail, once."""
    from django.core.mail.backends.locmem import EmailBackend

    from shop.storefront.tasks import send_order_placed_email

    order = _order(alice)
    real_send = EmailBackend.send_messages

    def dies(self, messages):
        raise SystemExit("worker killed")  # what a SIGTERM'd prefork child raises

    monkeypatch.setattr(EmailBackend, "send_messages", dies)
    with pytest.raises(SystemExit):
        send_order_placed_email.run(order.pk)
    assert not SentNotification.objects.filter(key=f"order-placed:{order.pk}").exists()
    monkeypatch.setattr(EmailBackend, "send_messages", real_send)
    assert send_order_placed_email.run(order.pk) is True  # redelivered
    assert send_order_placed_email.run(order.pk) is False  # and once more, by accident
    assert len(mailoutbox) == 1
