"""Fill accuracy at the dispense bench (issue 23): real GS1 DataMatrix symbols for the packs,
scanned as a keyboard-wedge scanner types them; the rules' outcome for the right pack and each
wrong one; lot and expiry on the dispense record; the recall query; the label; counselling."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from oscar.core.loading import get_model
from pypdf import PdfReader

from prescriptions.dispensing import fill, ndc
from prescriptions.dispensing import services as dispensing
from prescriptions.dispensing.label import FEDERAL_TRANSFER_CAUTION
from prescriptions.dispensing.models import Counselling, DispensedPack, FillScan, LabelPrint, NdcPackage
from prescriptions.exceptions import DispenseRefused, FillRefused
from prescriptions.review.selectors import prescription_history
from tests.dispensing.test_gate_and_dispense import place_rx_order, rma
from tests.factories.packs import pack_symbol, scanner_string
from tests.review.conftest import staff_client

Order = get_model("order", "Order")
pytestmark = pytest.mark.django_db

RIGHT = "0555-1055-86"  # Claravis (isotretinoin) 20 mg, 30 capsules: the verified product's pack
WRONG_STRENGTH = "0555-1054-86"  # Claravis 10 mg
OTHER_DRUG = "10544-060-28"  # doxycycline hyclate 100 mg
IN_DATE = datetime.date(2028, 6, 30)


@pytest.fixture(autouse=True)
def _scan_required(settings):
    settings.RXSHOP_FILL_SCAN_REQUIRED = True


def rx_line(alice_client, alice, technician, pharmacist):
    place_rx_order(alice_client, alice, technician, pharmacist)
    order = Order.objects.get()
    return order, order.lines.get(product__upc="RX-ISO-20")


def scan(line, actor, pack_ndc=RIGHT, *, separator="\x1d", confirmed=True, **symbol) -> FillScan:
    typed = scanner_string(pack_symbol(pack_ndc, **symbol), separator=separator)
    return fill.record_scan(line=line, raw=typed, actor=actor, quantity_confirmed=confirmed)


def test_the_demo_products_carry_real_ndcs_found_in_the_directory(demo_shop):
    for package_ndc in (RIGHT, "0378-6612-93", OTHER_DRUG, "50090-0806-0"):
        row = NdcPackage.objects.get(package_ndc=package_ndc)
        assert row.source.startswith("FDA NDC Directory snapshot 2019-04-29")
    assert NdcPackage.objects.get(package_ndc="50090-0806-0").dea_schedule == "CIV"
    assert NdcPackage.objects.get(package_ndc=RIGHT).strength == "20 mg/1"


def test_the_right_pack_scanned_by_a_technician_is_counted_with_its_lot_expiry_and_serial(
    alice_client, alice, technician, pharmacist, localstripe
):
    _order, line = rx_line(alice_client, alice, technician, pharmacist)
    recorded = scan(line, technician, lot="A12345", serial="S0000042", expires_on=IN_DATE)
    assert recorded.outcome == FillScan.Outcome.ACCEPTED, recorded.findings
    assert (recorded.ndc, recorded.gtin, recorded.lot, recorded.serial, recorded.expires_on) == (
        RIGHT,
        "00305551055869",
        "A12345",
        "S0000042",
        IN_DATE,
    )
    assert recorded.raw.startswith("010030555105586917280630") and "<GS>21S0000042" in recorded.raw
    assert fill.line_fill(line).complete


def test_the_configured_substitute_for_the_group_separator_is_read_as_one(
    alice_client, alice, technician, pharmacist, localstripe, settings
):
    settings.RXSHOP_SCAN_GS_SUBSTITUTE = "|"
    _order, line = rx_line(alice_client, alice, technician, pharmacist)
    recorded = scan(line, technician, separator="|", lot="B7", serial="S9")
    assert recorded.outcome == FillScan.Outcome.ACCEPTED and (recorded.lot, recorded.serial) == ("B7", "S9")


@pytest.mark.parametrize(
    "pack_ndc, changes, message",
    [
        (WRONG_STRENGTH, {}, "Wrong drug/strength/pack: NDC 0555-1054-86"),
        (OTHER_DRUG, {}, "Wrong drug/strength/pack: NDC 10544-060-28"),
        (RIGHT, {"expires_on": datetime.date(2024, 1, 31)}, "Expired pack"),
        (RIGHT, {"gtin": "00305551055862"}, "fails its check digit"),
        (RIGHT, {"separator": ""}, "no group separator between the lot and the serial"),
    ],
    ids=["wrong strength", "different drug", "expired", "bad check digit", "no group separator"],
)
def test_a_wrong_or_unreadable_pack_is_refused_recorded_and_not_counted(
    alice_client, alice, technician, pharmacist, localstripe, pack_ndc, changes, message
):
    _order, line = rx_line(alice_client, alice, technician, pharmacist)
    separator = changes.pop("separator", "\x1d")
    recorded = scan(line, technician, pack_ndc, separator=separator, **changes)
    assert recorded.outcome in (FillScan.Outcome.BLOCKED, FillScan.Outcome.UNREADABLE)
    assert message in " ".join(recorded.messages)
    assert not fill.line_fill(line).packs
    if separator == "":
        # Refused, not mis-parsed: no lot that swallowed the serial is ever recorded.
        assert recorded.lot == "" and recorded.serial == ""
    with pytest.raises(DispenseRefused, match="0 of 1 pack"):
        dispensing.dispense_order(
            order=line.order, pharmacist=pharmacist, authorisations={line.pk: rma()}, medication_guide_included=True
        )


def test_the_same_serial_never_counts_twice(alice_client, alice, technician, pharmacist, localstripe):
    _order, line = rx_line(alice_client, alice, technician, pharmacist)
    assert scan(line, technician, serial="DUP1").counts
    second = scan(line, technician, serial="DUP1")
    assert second.outcome == FillScan.Outcome.BLOCKED
    assert {f["rule_id"] for f in second.findings} >= {"fill.duplicate-serial", "fill.too-many-packs"}


def test_only_a_pharmacist_keys_an_ndc_and_only_with_a_reason(alice_client, alice, technician, pharmacist, localstripe):
    _order, line = rx_line(alice_client, alice, technician, pharmacist)
    keyed = dict(line=line, ndc=RIGHT, lot="K1", expires_on=IN_DATE, quantity_confirmed=True)
    with pytest.raises(FillRefused, match="Only a pharmacist"):
        fill.record_manual_ndc(**keyed, reason="Label torn", pharmacist=technician)
    with pytest.raises(FillRefused, match="why"):
        fill.record_manual_ndc(**keyed, reason=" ", pharmacist=pharmacist)
    recorded = fill.record_manual_ndc(**keyed, reason="DataMatrix torn off the carton", pharmacist=pharmacist)
    assert recorded.method == FillScan.Method.MANUAL and recorded.counts and recorded.ndc == RIGHT


def release(line, pharmacist, counselling=None):
    return dispensing.dispense_order(
        order=line.order,
        pharmacist=pharmacist,
        authorisations={line.pk: rma()},
        medication_guide_included=True,
        counselling=counselling,
    )


def test_released_packs_are_on_the_record_and_the_recall_query_finds_the_patient(
    alice_client, alice, technician, pharmacist, localstripe
):
    order, line = rx_line(alice_client, alice, technician, pharmacist)
    scan(line, technician, lot="RC-2291", serial="S77", expires_on=IN_DATE)
    outcome = release(
        line,
        pharmacist,
        fill.CounsellingInput(
            answer=Counselling.Answer.ACCEPTED,
            counselled_by="Priya Patel, PharmD",
            counselled_at=timezone.now(),
            notes="Explained dry lips and the monthly pregnancy tests.",
        ),
    )
    assert outcome.dispensed, [f.pharmacist_message for r in outcome.lines for f in r.blocks]
    pack = DispensedPack.objects.get()
    assert (pack.ndc, pack.lot, pack.serial, pack.expires_on) == (RIGHT, "RC-2291", "S77", IN_DATE)

    client = staff_client(pharmacist)
    page = client.get("/dashboard/pharmacy/dispense/recall/", {"lot": "rc-2291"}).content.decode()
    patient = line.prescription.patient.full_name
    assert patient in page and order.number in page
    exported = client.get("/dashboard/pharmacy/dispense/recall.csv", {"lot": "RC-2291"})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert [(r["Patient"], r["Order"], r["NDC"], r["Serial"]) for r in rows] == [(patient, order.number, RIGHT, "S77")]
    assert (
        "No pack of this lot" in client.get("/dashboard/pharmacy/dispense/recall/", {"lot": "OTHER"}).content.decode()
    )

    history = prescription_history(line.prescription)
    dispensed = next(e for e in history if e.kind == "dispense")
    details = dict(dispensed.details)
    assert "lot RC-2291" in details["Pack 1"] and "Accepted" in details["Counselling"]
    assert "Priya Patel, PharmD" in details["Counselling"]


def label_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_label_carries_the_required_elements_and_reprints_are_logged(
    alice_client, alice, technician, pharmacist, localstripe
):
    order, line = rx_line(alice_client, alice, technician, pharmacist)
    scan(line, technician, lot="LB-1", expires_on=IN_DATE)
    release(line, pharmacist)
    dispense = line.dispense
    client = staff_client(technician)
    url = f"/dashboard/pharmacy/dispense/dispensed/{dispense.pk}/label/"
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    text = label_text(response.content)
    line.prescription.refresh_from_db()
    for element in (
        "rxshop Pharmacy",
        "120 Hudson Street, Suite 4, New York, NY 10013",
        "1-800-555-0142",
        f"Rx {line.prescription.reference}",
        f"Filled {timezone.localdate():%m/%d/%Y}",
        f"Patient: {line.prescription.patient.full_name}",
        "Prescriber: Jane Smith, MD",
        "Isotretinoin 20 mg Capsule",
        "Quantity: 30",
        "Refills left: 0",
        "Directions: Take one capsule by mouth once daily with food.",
        "Read the Medication Guide",
        "Store at room temperature",
        f"NDC {RIGHT}",
        "Lot LB-1",
        "Discard after: 06/30/2028",
    ):
        assert element in text, element
    assert "Federal law prohibits the transfer" not in text  # isotretinoin is not a controlled drug
    # A second print is a reprint: it asks why, and the log keeps both.
    assert "printed before" in client.get(url).content.decode()
    reprinted = client.post(url, {"reason": "Label smudged in the printer"})
    assert "REPRINT" in label_text(reprinted.content)
    prints = list(LabelPrint.objects.filter(dispense=dispense))
    assert [(p.reprint, p.reason) for p in prints] == [(False, ""), (True, "Label smudged in the printer")]


def test_schedule_ii_to_iv_labels_carry_the_federal_transfer_caution(demo_shop):
    from prescriptions.dispensing.label import needs_transfer_caution

    assert [needs_transfer_caution(s) for s in (None, 2, 3, 4, 5)] == [False, True, True, True, False]
    assert FEDERAL_TRANSFER_CAUTION.startswith("Caution: Federal law prohibits the transfer of this drug")


def test_the_fill_screen_takes_a_keyboard_wedge_scan(alice_client, alice, technician, pharmacist, localstripe):
    order, line = rx_line(alice_client, alice, technician, pharmacist)
    client = staff_client(technician)
    url = f"/dashboard/pharmacy/dispense/order/{order.number}/fill/"
    assert "Scan a pack of" in client.get(url).content.decode()
    typed = scanner_string(pack_symbol(WRONG_STRENGTH))
    page = client.post(url, {"line": line.pk, "code": typed, "quantity_confirmed": "on"}, follow=True)
    assert "Wrong drug/strength/pack" in page.content.decode()
    typed = scanner_string(pack_symbol(RIGHT, lot="W1"))
    page = client.post(url, {"line": line.pk, "code": typed, "quantity_confirmed": "on"}, follow=True)
    assert "1 of 1 pack(s) counted" in page.content.decode()
    assert [s.outcome for s in FillScan.objects.order_by("pk")] == ["blocked", "accepted"]
    # Only a pharmacist is offered the keyed NDC.
    assert "key the NDC" not in page.content.decode()


def test_import_ndc_directory_reads_the_fdas_files(tmp_path, db):
    (tmp_path / "product.txt").write_bytes((ndc.BUNDLED / "product.txt").read_bytes())
    package = (ndc.BUNDLED / "package.txt").read_text().splitlines()
    (tmp_path / "package.txt").write_text("\n".join([package[0], *(r for r in package if "0555-1055-86" in r)]))
    out = io.StringIO()
    call_command("import_ndc_directory", str(tmp_path), "--source", "FDA NDC test", stdout=out)
    assert "1 packages imported" in out.getvalue()
    assert ndc.package_for_digits("0555105586").package_ndc == RIGHT
    assert ndc.package_for_digits("0555105486") is None


def test_a_scan_goes_back_only_to_a_page_of_this_site(alice_client, alice, technician, pharmacist, localstripe):
    order, line = rx_line(alice_client, alice, technician, pharmacist)
    client = staff_client(technician)
    url = f"/dashboard/pharmacy/dispense/order/{order.number}/fill/"
    typed = scanner_string(pack_symbol(RIGHT))
    response = client.post(url, {"line": line.pk, "code": typed, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == url


def test_counselling_accepted_on_the_dispense_screen_needs_who_counselled(
    alice_client, alice, technician, pharmacist, localstripe
):
    order, line = rx_line(alice_client, alice, technician, pharmacist)
    scan(line, technician)
    client = staff_client(pharmacist)
    url = f"/dashboard/pharmacy/dispense/order/{order.number}/"
    form = {
        f"line-{line.pk}-rma_number": "RMA-9917-0003",
        f"line-{line.pk}-do_not_dispense_after": (timezone.localdate() + datetime.timedelta(days=14)).isoformat(),
        "medication_guide_included": "on",
        "counselling_answer": "accepted",
    }
    page = client.post(url, form)
    assert page.status_code == 200 and "Say who counselled the patient." in page.content.decode()
    response = client.post(url, {**form, "counselled_by": "Priya Patel, PharmD", "counselling_notes": "By phone."})
    assert response.status_code == 302
    counselling = Counselling.objects.get()
    assert (counselling.answer, counselling.counselled_by, counselling.toll_free_number) == (
        "accepted",
        "Priya Patel, PharmD",
        "1-800-555-0142",
    )


def test_garbage_posted_to_the_fill_and_label_screens_is_refused_not_a_server_error(
    alice_client, alice, technician, pharmacist, localstripe
):
    order, line = rx_line(alice_client, alice, technician, pharmacist)
    client = staff_client(pharmacist)
    url = f"/dashboard/pharmacy/dispense/order/{order.number}/fill/"
    for form in (
        {},
        {"line": "x", "code": "y"},
        {"line": line.pk, "code": "01abc"},
        {"line": line.pk, "code": "0100305551055869\x0017280630"},
        {"line": 999999, "code": "01"},
        {"line": line.pk, "ndc": "12", "lot": "", "expires_on": "tomorrow", "reason": ""},
        {"line": line.pk, "ndc": "0555-1055-86", "lot": "L", "expires_on": "2028-06-30", "reason": "torn"},
    ):
        assert client.post(url, form).status_code in (200, 302), form
    assert client.post("/dashboard/pharmacy/dispense/dispensed/999999/label/", {}).status_code == 404
    unreadable = FillScan.objects.filter(outcome=FillScan.Outcome.UNREADABLE).order_by("pk").last()
    assert "\x00" not in unreadable.raw


@pytest.mark.parametrize("answer", [Counselling.Answer.OFFERED, Counselling.Answer.DECLINED])
def test_counselling_offered_in_writing_fits_its_record(
    alice_client, alice, technician, pharmacist, localstripe, answer
):
    """The default method ("toll-free number on the label and in the parcel") was longer than its
    column: SQLite let it through, PostgreSQL refused the release."""
    order, line = rx_line(alice_client, alice, technician, pharmacist)
    scan(line, technician, lot="RC-2291", serial="S78", expires_on=IN_DATE)
    assert release(line, pharmacist, fill.CounsellingInput(answer=answer)).dispensed
    counselling = Counselling.objects.get()
    counselling.full_clean()  # every value within its column's length, on any database
    assert counselling.method == "toll-free number on the label and in the parcel"
