"""One door for every state change (STYLE.md 4, issue 4 §4)."""

from __future__ import annotations

import ast
import datetime
from pathlib import Path

import pytest
from django.core import mail

from prescriptions import services
from prescriptions.models import (
    AppendOnlyError,
    Prescription,
    PrescriptionEvent,
    StatusChangeOutsideService,
)
from prescriptions.models import (
    PrescriptionStatus as S,
)
from prescriptions.tasks import send_prescription_status_email

from .conftest import submit, verify

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


def move(prescription, to_status, actor, **kwargs):
    if to_status in services.MESSAGE_REQUIRED:
        kwargs.setdefault("message_to_customer", "Please send page 2.")
    return services.transition_prescription(prescription=prescription, to_status=to_status, actor=actor, **kwargs)


def test_submitting_writes_the_first_event(alice):
    prescription = submit(alice)
    event = prescription.events.get()
    assert (event.from_status, event.to_status, event.actor, event.actor_role) == ("", S.SUBMITTED, alice, "customer")
    assert prescription.status == S.SUBMITTED


def test_every_state_change_leaves_exactly_one_event(alice, pharmacist):
    prescription = submit(alice)
    path = [
        (S.IN_REVIEW, pharmacist),
        (S.INFO_REQUESTED, pharmacist),
        (S.SUBMITTED, alice),
        (S.IN_REVIEW, pharmacist),
        (S.SUBMITTED, pharmacist),  # released back to the queue
        (S.IN_REVIEW, pharmacist),
        (S.VERIFIED, pharmacist),
        (S.USED_UP, pharmacist),
    ]
    for to_status, actor in path:
        before = PrescriptionEvent.objects.count()
        from_status = prescription.status
        event = move(prescription, to_status, actor, reason="checked", reason_code="test")
        assert PrescriptionEvent.objects.count() == before + 1
        assert (event.from_status, event.to_status, event.actor) == (from_status, to_status, actor)
        assert prescription.status == to_status == Prescription.objects.get(pk=prescription.pk).status
    history = [(e.from_status, e.to_status) for e in prescription.events.order_by("created_at", "id")]
    assert history[0] == ("", S.SUBMITTED)
    assert history[1:] == list(zip([S.SUBMITTED] + [s for s, _ in path[:-1]], [s for s, _ in path], strict=False))


def test_rejection_keeps_reason_and_message(alice, pharmacist):
    prescription = submit(alice)
    move(prescription, S.IN_REVIEW, pharmacist)
    event = move(
        prescription,
        S.REJECTED,
        pharmacist,
        reason_code="not_signed",
        reason="No signature on page 1",
        message_to_customer="The prescription is not signed by the prescriber.",
    )
    assert (event.reason_code, event.reason) == ("not_signed", "No signature on page 1")
    assert prescription.message_to_customer == "The prescription is not signed by the prescriber."


@pytest.mark.parametrize(
    "from_path, to_status",
    [
        ([], S.VERIFIED),  # straight from submitted
        ([S.IN_REVIEW, S.VERIFIED], S.SUBMITTED),  # a verified one does not go back
        ([S.IN_REVIEW, S.REJECTED], S.VERIFIED),  # rejected is final
        ([], S.USED_UP),
    ],
)
def test_transitions_outside_the_table_are_refused_and_leave_no_event(alice, pharmacist, from_path, to_status):
    prescription = submit(alice)
    for step in from_path:
        move(prescription, step, pharmacist)
    count = PrescriptionEvent.objects.count()
    with pytest.raises(services.TransitionNotAllowed):
        move(prescription, to_status, pharmacist)
    assert PrescriptionEvent.objects.count() == count


def test_customer_cannot_verify_and_pharmacist_cannot_verify_their_own(alice, bob, pharmacist):
    prescription = submit(alice)
    with pytest.raises(services.TransitionNotAllowed):
        move(prescription, S.IN_REVIEW, alice)
    with pytest.raises(services.TransitionNotAllowed):
        move(prescription, S.IN_REVIEW, bob)
    own = submit(pharmacist)
    with pytest.raises(services.TransitionNotAllowed):
        move(own, S.IN_REVIEW, pharmacist)


def test_rejection_and_question_need_a_message_to_the_customer(alice, pharmacist):
    prescription = submit(alice)
    move(prescription, S.IN_REVIEW, pharmacist)
    for status in (S.REJECTED, S.INFO_REQUESTED):
        with pytest.raises(services.TransitionNotAllowed, match="needs a message"):
            services.transition_prescription(prescription=prescription, to_status=status, actor=pharmacist)


def test_status_cannot_be_saved_outside_the_service(alice):
    prescription = submit(alice)
    prescription.status = S.VERIFIED  # refused on purpose
    with pytest.raises(StatusChangeOutsideService):
        prescription.save()
    assert Prescription.objects.get(pk=prescription.pk).status == S.SUBMITTED


def test_status_cannot_be_bulk_updated_outside_the_service(alice):
    prescription = submit(alice)
    with pytest.raises(StatusChangeOutsideService):
        Prescription.objects.filter(pk=prescription.pk).update(status=S.VERIFIED)  # refused on purpose
    prescription.refresh_from_db()
    assert prescription.status == S.SUBMITTED
    Prescription.objects.filter(pk=prescription.pk).update(prescriber_phone="555-0101")  # other fields are fine


def test_other_fields_can_still_be_saved(alice):
    prescription = Prescription.objects.get(pk=submit(alice).pk)
    prescription.prescriber_phone = "+1 212 555 0100"
    prescription.save()


def test_prescription_cannot_be_created_outside_the_service(alice):
    prescription = submit(alice)
    with pytest.raises(StatusChangeOutsideService):
        Prescription.objects.create(
            customer=alice,
            patient=prescription.patient,
            product=prescription.product,
            drug_name="x",
            quantity=1,
            prescriber_name="x",
            prescriber_phone="x",
        )


def test_events_are_append_only(alice, pharmacist):
    prescription = submit(alice)
    event = prescription.events.get()
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        PrescriptionEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        PrescriptionEvent.objects.all().delete()
    assert PrescriptionEvent.objects.get(pk=event.pk).reason == ""


def test_admin_is_read_only(staff_admin_client, alice):
    submit(alice)
    prescription = Prescription.objects.get()
    assert staff_admin_client.get("/admin/prescriptions/prescription/add/").status_code == 403
    page = staff_admin_client.get(f"/admin/prescriptions/prescription/{prescription.pk}/change/")
    assert page.status_code == 200
    assert b'name="status"' not in page.content
    event = prescription.events.get()
    assert (
        staff_admin_client.post(
            f"/admin/prescriptions/prescriptionevent/{event.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )


def test_an_email_is_sent_at_every_status_change_once(alice, pharmacist, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        prescription = submit(alice)
    assert len(callbacks) == 1 and len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        move(prescription, S.IN_REVIEW, pharmacist)
        event = move(
            prescription, S.INFO_REQUESTED, pharmacist, message_to_customer="Which strength did your doctor write?"
        )
    assert len(mail.outbox) == 3
    question = mail.outbox[-1]
    assert question.to == ["alice@example.com"]
    assert "question" in question.body and f"/prescriptions/{prescription.public_id}/" in question.body
    assert "Which strength" not in question.body  # details stay behind the login
    assert send_prescription_status_email(event.pk) is False  # delivered twice: sent once
    assert len(mail.outbox) == 3


def test_email_is_enqueued_on_commit_not_during_the_transaction(alice, pharmacist, django_capture_on_commit_callbacks):
    prescription = submit(alice)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        move(prescription, S.IN_REVIEW, pharmacist)
    assert len(callbacks) == 1 and mail.outbox == []


def test_record_fill_uses_up_the_last_fill(alice, pharmacist):
    prescription = verify(submit(alice, "RX-DOXY-100", quantity=28, refills=1), pharmacist)
    services.record_fill(prescription=prescription, actor=pharmacist)
    assert (prescription.fills_used, prescription.status) == (1, S.VERIFIED)
    services.record_fill(prescription=prescription, actor=pharmacist)
    assert (prescription.fills_used, prescription.status) == (2, S.USED_UP)
    assert prescription.events.last().reason_code == "all_fills_used"


def test_expiry_job_expires_verified_prescriptions_past_their_date(alice, pharmacist):
    prescription = verify(submit(alice), pharmacist)
    Prescription.objects.filter(pk=prescription.pk).update(expires_on=datetime.date(2026, 3, 1))
    assert services.expire_prescriptions(today=datetime.date(2026, 3, 1)) == 0
    assert services.expire_prescriptions(today=datetime.date(2026, 3, 2)) == 1
    prescription.refresh_from_db()
    assert prescription.status == S.EXPIRED
    event = prescription.events.last()
    assert (event.actor, event.actor_role) == (None, "system")


# --- Nothing else assigns status ----------------------------------------------------------------

# The code base: every production package, and this app's own tests. (Other
# tests may build fixture rows through the door on purpose; the door itself is
# checked below.)
SCANNED_PACKAGES = ("prescriptions", "shop", "compliance", "tests/prescriptions")
ALLOWED = {Path("prescriptions/services/status.py")}  # the door
WRITE_METHODS = {"update", "create", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}


def _about_prescriptions(node) -> bool:
    text = ast.unparse(node).lower()
    return "prescription" in text or "rx" in text


def _status_writes(path: Path, source: str, *, strict: bool = True) -> list[str]:
    """Lines that write a prescription's ``status``: ``x.status = …``,
    ``setattr(x, "status", …)``, ``.update(status=…)``, ``.create(status=…)``,
    ``Prescription(status=…)``, and ``defaults={"status": …}``.

    ``strict`` (the prescriptions app and its tests): any object. Elsewhere only
    writes on something named like a prescription, so that other code's own
    ``status`` fields (an order's, a payment's) are not flagged.
    """
    tree = ast.parse(source, filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if (
                        isinstance(sub, ast.Attribute)
                        and sub.attr == "status"
                        and (strict or _about_prescriptions(sub.value))
                    ):
                        found.append(f"{path}:{node.lineno}")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if (
                name == "setattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value == "status"
                and (strict or _about_prescriptions(node.args[0]))
            ):
                found.append(f"{path}:{node.lineno}")
            if (name in WRITE_METHODS or name == "Prescription") and (strict or _about_prescriptions(func)):
                keywords = {k.arg for k in node.keywords}
                for k in node.keywords:
                    if k.arg in (None, "defaults") and isinstance(k.value, ast.Dict):
                        keywords |= {key.value for key in k.value.keys if isinstance(key, ast.Constant)}
                if "status" in keywords:
                    found.append(f"{path}:{node.lineno}")
    return found


def test_no_status_is_assigned_outside_the_service():
    offenders = []
    for package in SCANNED_PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            relative = path.relative_to(REPO)
            if relative in ALLOWED or "migrations" in relative.parts:
                continue
            ours = relative.parts[0] == "prescriptions" or relative.parts[:2] == ("tests", "prescriptions")
            offenders += _status_writes(relative, path.read_text(), strict=ours)
    # The deliberate ones: the tests proving that the model refuses them.
    offenders = [
        o for o in offenders if o not in {f"tests/prescriptions/test_states.py:{n}" for n in _DELIBERATE_LINES}
    ]
    assert len(_DELIBERATE_LINES) == 2
    assert offenders == [], "status assigned outside prescriptions.services: " + ", ".join(offenders)


def test_only_the_service_opens_the_status_door_in_production_code():
    users = []
    for package in ("prescriptions", "shop", "compliance"):
        for path in sorted((REPO / package).rglob("*.py")):
            relative = path.relative_to(REPO)
            if "_open_status_door" in path.read_text() and relative not in {
                Path("prescriptions/services/status.py"),
                Path("prescriptions/models.py"),
            }:
                users.append(str(relative))
    assert users == []


def test_the_status_check_catches_each_way_of_writing_a_status():
    examples = [
        "prescription.status = 'verified'",
        "rx.status += 'x'",
        "setattr(p, 'status', 'verified')",
        "Prescription.objects.filter(pk=1).update(status='verified')",
        "Prescription.objects.create(customer=c, status='verified')",
        "Prescription(status='verified')",
        "Prescription.objects.update_or_create(pk=1, defaults={'status': 'verified'})",
    ]
    for example in examples:
        assert _status_writes(Path("example.py"), example), example
    assert _status_writes(Path("x.py"), "line.prescription.status = 'verified'", strict=False)
    assert not _status_writes(Path("x.py"), "order.status = 'Shipped'", strict=False)
    assert not _status_writes(Path("example.py"), "Prescription.objects.filter(status='verified')")


_DELIBERATE_LINES = [
    number
    for number, line in enumerate(Path(__file__).read_text().splitlines(), start=1)
    if line.rstrip().endswith("# refused on purpose")
]
