"""What customers, technicians and pharmacists do in the browser, step by step.

The journeys (``test_*.py`` beside this file) are written with these steps so
that each reads as the story it tells. Every step works through the pages a
person would use, finds things by their visible label or role, and waits for
what the person would see before going on.
"""

from __future__ import annotations

import datetime
import json
import re
import time
import urllib.request
from dataclasses import dataclass

from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from shop.storefront.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import TOTP_STEP, TOTP_STEPS_USED, totp_step, wait_for_unused_totp_step
from tests.factories.packs import GS, pack_symbol, scanner_string

ISOTRETINOIN_20 = "Isotretinoin 20 mg capsules (30)"
LIP_BALM = "Lip balm SPF 15, fragrance-free (4.5 g)"
SUNSCREEN = "Broad-spectrum sunscreen SPF 50, face and body (100 ml)"
CLEANSER = "Gentle hydrating cleanser (236 ml)"


def shop_today() -> datetime.date:
    """Today where the pharmacy is (settings.TIME_ZONE), which is what the server compares dates
    with; the machine's own date is a day ahead of it for five hours every night in New York."""
    return timezone.localdate()


PHARMACIST = next(a for a in DEMO_ACCOUNTS if a.email == "pharmacist@example.com")
TECHNICIAN = next(a for a in DEMO_ACCOUNTS if a.email == "technician@example.com")

REFERENCE = re.compile(r"RX-[0-9A-F]{8}")


@dataclass(frozen=True)
class Customer:
    email: str
    password: str
    first_name: str
    last_name: str
    date_of_birth: str = "1998-04-12"
    address: str = "22 Jay Street"
    city: str = "Brooklyn"
    state: str = "NY"
    postcode: str = "11201"
    phone: str = "+12125550100"

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


ALICE = Customer("alice@example.com", "alice-demo-2026", "Alice", "Moreno")
BOB = Customer(
    "bob@example.com",
    "bob-demo-2026",
    "Bob",
    "Okafor",
    date_of_birth="1987-09-30",
    address="40 Newark Avenue",
    city="Jersey City",
    state="NJ",
    postcode="07302",
    phone="+12015550123",
)


@dataclass(frozen=True)
class Prescriber:
    name: str = "Dr. Hannah Lee"
    phone: str = "+1 212 555 0199"
    address: str = "300 Park Avenue, New York, NY 10022"
    npi: str = "1234567893"


DR_LEE = Prescriber()


# --- Files -------------------------------------------------------------------------------


def prescription_pdf(*lines: str) -> bytes:
    """A one-page PDF (US Letter) showing ``lines`` in Helvetica, written by hand."""

    def text(value: str) -> str:
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 15 Tf", "22 TL", "60 730 Td"]
    for number, line in enumerate(lines):
        size = 22 if number == 0 else 15
        ops += [f"/F1 {size} Tf", f"({text(line)}) Tj", "T*"] + (["T*"] if number == 0 else [])
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def written_prescription(
    customer: Customer,
    prescriber: Prescriber = DR_LEE,
    *,
    drug: str = "Isotretinoin 20 mg",
    written: datetime.date | None = None,
) -> dict:
    """The upload for ``set_input_files``: what the prescriber wrote, as a PDF.
    Each is unique (a file already sent is refused as a duplicate)."""
    written = written or shop_today() - datetime.timedelta(days=2)
    pdf = prescription_pdf(
        f"{prescriber.name}, Dermatology",
        prescriber.address,
        f"Tel {prescriber.phone}    NPI {prescriber.npi}",
        f"Date: {written:%m/%d/%Y}",
        f"Patient: {customer.name}, born {customer.date_of_birth}",
        f"Address: {customer.address}, {customer.city}, {customer.state} {customer.postcode}",
        f"Rx: {drug} capsules, #30 (thirty), 30 days",
        "Sig: take one capsule by mouth once daily with food",
        "Refills: none",
        f"Signed: {prescriber.name}",
        f"Rx no. {time.time_ns() % 10**10:010d}",
    )
    return {"name": "prescription.pdf", "mimeType": "application/pdf", "buffer": pdf}


# --- Customers -------------------------------------------------------------------------------


def sign_in(page: Page, base_url: str, customer: Customer) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_login-username", customer.email)
    page.fill("#id_login-password", customer.password)
    with page.expect_navigation():
        page.click("button[name=login_submit]")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def register(page: Page, base_url: str, customer: Customer, stack) -> None:
    """A new customer opens an account (the link in the activation e-mail, which
    the worker sends) and enters their name in the profile."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_registration-email", customer.email)
    page.fill("#id_registration-password1", customer.password)
    page.fill("#id_registration-password2", customer.password)
    with page.expect_navigation():
        page.click("button[name=registration_submit]")
    expect(page.get_by_text("Check your e-mail").first).to_be_visible()
    message = stack.wait_for_email(customer.email, "Activate your")
    link_path = re.search(r"https?://[^/\s]+(/\S+)", message.get_content()).group(1)
    page.goto(f"{base_url}{link_path}")
    with page.expect_navigation():
        page.get_by_role("button", name="Activate my account").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/|/activate/"))
    page.goto(f"{base_url}/accounts/profile/edit/")
    page.get_by_label("First name").fill(customer.first_name)
    page.get_by_label("Last name").fill(customer.last_name)
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(customer.name).first).to_be_visible()


def open_product(page: Page, base_url: str, title: str) -> None:
    page.goto(f"{base_url}/catalogue/")
    page.get_by_role("link", name=title, exact=True).first.click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()


def add_to_basket(page: Page, base_url: str, title: str) -> None:
    open_product(page, base_url, title)
    with page.expect_navigation():
        page.locator("#add_to_basket_form").get_by_role("button", name="Add to cart").click()
    expect(page.locator("#messages")).to_contain_text(re.compile("added to your (basket|cart)"))


def go_to_basket(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/basket/")
    expect(page.get_by_role("heading", level=1, name=re.compile("Cart|Basket"))).to_be_visible()


def basket_notice(page: Page, title: str):
    """The basket's "Prescription items in your basket" entry for ``title``."""
    return page.locator(".rx-basket-notice li").filter(has_text=title)


def upload_from_basket(page: Page, title: str, customer: Customer, prescriber: Prescriber = DR_LEE, shots=None) -> str:
    """From the basket line, upload the prescription with the patient's and
    prescriber's details; returns its reference (RX-…)."""
    basket_notice(page, title).get_by_role("link", name="Upload a prescription").click()
    expect(page.get_by_role("heading", level=1, name=f"Upload your prescription for {title}")).to_be_visible()
    fill_upload_form(page, customer, prescriber)
    if shots:
        shots(page, "upload-form", doc="upload")
    with page.expect_navigation():
        page.get_by_role("button", name="Upload prescription").click()
    received = page.get_by_text(re.compile(r"Thank you: we have your prescription RX-"))
    expect(received).to_be_visible()
    return REFERENCE.search(received.inner_text()).group()


def fill_upload_form(page: Page, customer: Customer, prescriber: Prescriber = DR_LEE) -> None:
    page.set_input_files("#id_files", files=[written_prescription(customer, prescriber)])
    page.get_by_label("Quantity prescribed").fill("30")
    page.get_by_label("Refills written on it").fill("0")
    page.get_by_label("The patient is").select_option("self")
    page.get_by_label("Patient's first name").fill(customer.first_name)
    page.get_by_label("Patient's last name").fill(customer.last_name)
    page.get_by_label("Patient's date of birth").fill(customer.date_of_birth)
    page.get_by_label("Patient's address").fill(customer.address)
    page.get_by_label("City").fill(customer.city)
    page.get_by_label("State").select_option(customer.state)
    page.get_by_label("ZIP code").fill(customer.postcode)
    page.get_by_label("Prescriber's name").fill(prescriber.name)
    page.get_by_label("Prescriber's phone number").fill(prescriber.phone)


def my_prescriptions(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/prescriptions/")
    expect(page.get_by_role("heading", level=1, name="My prescriptions")).to_be_visible()


def prescription_card(page: Page, reference: str):
    """The entry of ``reference`` in "My prescriptions"."""
    return page.locator(".rx-prescription-list > li").filter(has_text=f"Prescription {reference}")


def expect_prescription_status(page: Page, base_url: str, reference: str, status: str) -> None:
    """ "My prescriptions" shows ``reference`` with the customer's wording of its status."""
    my_prescriptions(page, base_url)
    expect(prescription_card(page, reference).locator(".badge")).to_have_text(status)


def open_my_prescription(page: Page, base_url: str, reference: str) -> str:
    """Opens the prescription's page from "My prescriptions"; returns its URL."""
    my_prescriptions(page, base_url)
    prescription_card(page, reference).get_by_role("link", name=f"Prescription {reference}").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Status:"))).to_be_visible()
    return page.url


# --- Checkout ------------------------------------------------------------------------------------


def proceed_to_checkout(page: Page, base_url: str) -> None:
    go_to_basket(page, base_url)
    page.get_by_role("link", name="Proceed to checkout").click()
    page.wait_for_load_state()


def fill_shipping_address(
    page: Page,
    customer: Customer,
    *,
    state: str | None = None,
    city: str | None = None,
    line1: str | None = None,
    postcode: str | None = None,
) -> None:
    expect(page).to_have_url(re.compile(r"/checkout/shipping-address/"))
    page.get_by_label("First name").fill(customer.first_name)
    page.get_by_label("Last name").fill(customer.last_name)
    page.get_by_label("First line of address").fill(line1 or customer.address)
    page.get_by_label("City").fill(city or customer.city)
    page.get_by_label("State").select_option(state or customer.state)
    page.get_by_label("ZIP code").fill(postcode or customer.postcode)
    page.get_by_label("Phone number").fill(customer.phone)


def continue_from_address(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


TEST_CARD_LABELS = {"visa": "4242 4242 4242 4242", "declined": "4000 0000 0000 0341", "3ds": "4000 0025 0000 3155"}


def choose_test_card(page: Page, card: str = "visa") -> None:
    expect(page).to_have_url(re.compile(r"/checkout/payment-details/"))
    expect(page.get_by_text("Test mode — no real card is charged.")).to_be_visible()
    page.get_by_label(re.compile(TEST_CARD_LABELS[card])).check()


def continue_to_preview(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/checkout/preview/"))
    expect(page.get_by_role("heading", level=1, name="Preview order")).to_be_visible()


def place_order(page: Page) -> tuple[str, str]:
    """Presses Place order on the preview; returns (order number, PaymentIntent id)."""
    with page.expect_navigation():
        page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/checkout/thank-you/"))
    heading = page.get_by_role("heading", level=1, name=re.compile(r"Order \d+: confirmation"))
    expect(heading).to_be_visible()
    number = re.search(r"Order (\d+)", heading.inner_text()).group(1)
    payment = page.get_by_text(re.compile(r"reference: pi_[A-Za-z0-9]+"))
    expect(payment).to_be_visible()
    intent = re.search(r"pi_[A-Za-z0-9]+", payment.inner_text()).group()
    return number, intent


def expect_order_status(page: Page, base_url: str, number: str, status: str) -> None:
    """The customer's page of order ``number`` (Account › Order history) shows ``status``."""
    page.goto(f"{base_url}/accounts/orders/{number}/")
    expect(page.get_by_role("heading", level=1, name=f"Order #{number}")).to_be_visible()
    expect(page.locator("h2:text-is('Status') + p")).to_have_text(status)


# --- Staff ------------------------------------------------------------------------------------------


def current_code(account, step: int) -> str:
    generator = TOTP(bytes.fromhex(account.totp_key), step=TOTP_STEP, t0=0, digits=6)
    generator.time = step * TOTP_STEP + 1
    return f"{generator.token():06d}"


def staff_sign_in(page: Page, base_url: str, account, next_url: str = "/dashboard/pharmacy/") -> None:
    """Password, then the 6-digit code of the staff member's authenticator.

    A code is accepted once (replay protection): if this account's code of the
    current 30-second step was already used, wait for the next step.
    """
    page.goto(f"{base_url}/accounts/login/?next={next_url}")
    page.fill("#id_login-username", account.email)
    page.fill("#id_login-password", account.password)
    with page.expect_navigation():
        page.click("button[name=login_submit]")
    expect(page).to_have_url(re.compile(r"/pharmacy/staff/verify/"))
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    for _attempt in range(3):
        wait_for_unused_totp_step(account.email)
        step = totp_step()
        page.fill("#id_otp_token", current_code(account, step))
        with page.expect_navigation():
            page.get_by_role("button", name="Verify").click()
        TOTP_STEPS_USED[account.email] = max(step, TOTP_STEPS_USED.get(account.email, -1))
        if "/pharmacy/staff/verify/" not in page.url:
            return
        # Refused: that step's code was used by someone else's sign-in. Try the next one.
    raise AssertionError(f"{account.email}: the authenticator code was refused three times")


def open_from_queue(page: Page, base_url: str, reference: str) -> None:
    """From the review queue, opens (claims) the prescription ``reference``."""
    page.goto(f"{base_url}/dashboard/pharmacy/")
    expect(page.get_by_role("heading", level=1, name="Prescriptions waiting for review")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_have_count(1)
    open_button = row.get_by_role("button", name=re.compile(r"^Open")).or_(
        row.get_by_role("link", name=re.compile(r"^Continue"))
    )
    with page.expect_navigation():
        open_button.click()
    expect(page.get_by_role("heading", level=1, name=re.compile(rf"Prescription {reference}"))).to_be_visible()
    expect(page.get_by_text("You are working on this prescription")).to_be_visible()


def transcribe(
    page: Page,
    *,
    prescriber: Prescriber = DR_LEE,
    drug: str = "Isotretinoin",
    strength: str = "20 mg",
    quantity: int = 30,
    days_supply: int = 30,
    refills: int = 0,
    written: datetime.date | None = None,
    risk_category: str = "cannot",
    directions: str = "Take one capsule by mouth once daily with food.",
) -> None:
    """Step 1: types what the prescription says into the transcription form (not saved yet)."""
    written = written or shop_today() - datetime.timedelta(days=2)
    form = page.locator("#transcription")
    form.get_by_label("Prescriber name").fill(prescriber.name)
    form.get_by_label("Prescriber NPI").fill(prescriber.npi)
    form.get_by_label("Prescriber address").fill(prescriber.address)
    form.get_by_label("Drug name").fill(drug)
    form.get_by_label("Strength").fill(strength)
    form.get_by_label("Dosage form").fill("capsule")
    form.get_by_label("Quantity (units per fill)").fill(str(quantity))
    form.get_by_label("Days' supply").fill(str(days_supply))
    form.get_by_label("Refills", exact=True).fill(str(refills))
    form.get_by_label("Date written").fill(written.isoformat())
    form.get_by_label("Directions (sig)").fill(directions)
    form.get_by_label("Prescriber's signature present").check()
    form.get_by_label("iPLEDGE risk category").select_option(risk_category)


def save_transcription(page: Page) -> None:
    with page.expect_navigation():
        page.locator("#transcription").get_by_role("button", name="Save and check").click()
    expect(page.get_by_text("Transcription saved and checked.")).to_be_visible()
    expect(page.locator("#checks")).not_to_contain_text("The checks run when the transcription is saved.")


def release(page: Page, reference: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Release to the queue").click()
    expect(page.get_by_text(f"You released prescription {reference}; it is back in the queue.")).to_be_visible()


def transcribe_as_technician(page: Page, base_url: str, reference: str, shots=None, **transcription) -> None:
    """The technician signs in, opens the prescription, transcribes it and puts it back in the queue."""
    staff_sign_in(page, base_url, TECHNICIAN)
    open_from_queue(page, base_url, reference)
    transcribe(page, **transcription)
    if shots:
        scroll_to(page.locator("#transcription"))
        shots(page, "technician-transcribes", doc="transcription")
    save_transcription(page)
    if shots:
        shots(page, "transcription-checked")
    release(page, reference)


def wait_for_documents(page: Page, seconds: float = 10) -> None:
    """Until the review screen's PDF viewers have drawn their page (for a screenshot)."""
    expected = page.locator("iframe.rx-document-frame").count()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sum(frame.url.startswith("chrome-extension://") for frame in page.frames) >= expected:
            break
        page.wait_for_timeout(250)
    page.wait_for_timeout(1500)  # the viewer paints its first page


def scroll_to(locator) -> None:
    """Scrolls so that ``locator`` is at the top of the window."""
    locator.evaluate("element => element.scrollIntoView({block: 'start'})")


def findings(page: Page) -> dict[str, list[str]]:
    """The rule findings the review screen shows: {"BLOCK": [...], "WARN": [...]}."""
    checks = page.locator("#checks")
    return {
        severity: [item.inner_text() for item in checks.locator("li.alert").filter(has_text=severity).all()]
        for severity in ("BLOCK", "WARN")
    }


def verify(page: Page, reference: str, reason: str = "Confirmed with the prescriber's office by phone.") -> None:
    """Step 2: a reason for each WARN, then Verify."""
    decide = page.locator("#decide")
    # Each warning's reason box sits beside the warning (in #checks), part of the verify form.
    for override in page.locator("#checks textarea[name^='override__']").all():
        override.fill(reason)
    with page.expect_navigation():
        decide.get_by_role("button", name="Verify prescription").click()
    expect(page.get_by_text(f"Prescription {reference} verified. The customer has been told.")).to_be_visible()


# --- Dispense -------------------------------------------------------------------------------------------

DISPENSE_QUEUE = "/dashboard/pharmacy/dispense/"


def open_for_dispense(page: Page, base_url: str, number: str, *, ndc: str | None = None) -> None:
    """The dispense screen of order ``number``, every pack scanned: ``ndc`` is the pack's
    (the demo's isotretinoin 20 mg unless said)."""
    page.goto(f"{base_url}{DISPENSE_QUEUE}")
    expect(page.get_by_role("heading", level=1, name="Orders waiting to be dispensed")).to_be_visible()
    page.get_by_role("row").filter(has_text=number).get_by_role("link", name="Dispense").click()
    expect(page.get_by_role("heading", level=1, name=f"Dispense order {number}")).to_be_visible()
    # Fill accuracy (issue 23): every pack is scanned before the release.
    for field in page.locator("input[data-gs-substitute]").all():
        scan_pack(page, field, ndc or ISOTRETINOIN_20_NDC)


# The pack of Isotretinoin 20 mg capsules (30) in the demo: Claravis 20 mg, 3 blisters of 10.
ISOTRETINOIN_20_NDC = "0555-1055-86"
# Doxycycline hyclate 100 mg capsules (28) in the demo.
DOXYCYCLINE_100_NDC = "10544-060-28"


def scan_pack(page: Page, field, ndc: str, *, lot: str = "E2E-LOT-1", serial: str | None = None) -> None:
    """A handheld scanner in keyboard mode: it types the pack's GS1 DataMatrix (a real symbol,
    decoded) into the focused field, Ctrl+] for the group separator, then Enter."""
    typed = scanner_string(pack_symbol(ndc, lot=lot, serial=serial or f"S{time.time_ns() % 10**9}"))
    field.focus()
    for n, segment in enumerate(typed.rstrip("\r").split(GS)):
        if n:
            page.keyboard.press("Control+BracketRight")
        page.keyboard.type(segment)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def enter_dispense(page: Page, *, rma: str, do_not_dispense_after: datetime.date, guide: bool = True) -> None:
    page.get_by_label("RMA number").fill(rma)
    page.get_by_label("Do not dispense after").fill(do_not_dispense_after.isoformat())
    guide_box = page.get_by_label(re.compile("Medication Guide is in the package"))
    guide_box.check() if guide else guide_box.uncheck()


def press_dispense(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Dispense and capture payment").click()


# --- The server's side ----------------------------------------------------------------------------------


def payment_intent(stack, intent_id: str) -> dict:
    """The PaymentIntent as the (local) Stripe server has it."""
    request = urllib.request.Request(
        f"{stack.stripe_base}/v1/payment_intents/{intent_id}",
        headers={"Authorization": f"Bearer {stack.env['STRIPE_SECRET_KEY']}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def payment_record(stack, number: str) -> dict:
    """rxshop's record of the order's card payment (read from the server's database)."""
    return json.loads(
        stack.shell(
            "import json\n"
            "from payments.models import PaymentAuthorisation as P\n"
            f"p = P.objects.filter(order_number={number!r}).latest('attempt')\n"
            "print(json.dumps({'state': p.state, 'authorised': str(p.amount_authorised),"
            " 'captured': str(p.amount_captured), 'intent': p.intent_id}))"
        ).splitlines()[-1]
    )


def transcribe_and_verify(new_page, base_url: str, reference: str) -> Page:
    """A technician transcribes ``reference`` and a pharmacist verifies it; the pharmacist's
    signed-in page."""
    transcribe_as_technician(new_page(), base_url, reference)
    pharmacist = new_page()
    staff_sign_in(pharmacist, base_url, PHARMACIST)
    open_from_queue(pharmacist, base_url, reference)
    verify(pharmacist, reference)
    return pharmacist


def verify_then_place_order(stack, page: Page, new_page, base_url: str, customer, reference: str):
    """A technician transcribes ``reference``, a pharmacist verifies it, the customer is told and
    places the order (test card "visa"): the order number, and the pharmacist's signed-in page."""
    pharmacist = transcribe_and_verify(new_page, base_url, reference)
    stack.wait_for_email(customer.email, f"Your prescription {reference}: Verified", seconds=60)
    page.goto(f"{base_url}/checkout/")
    fill_shipping_address(page, customer)
    continue_from_address(page)
    choose_test_card(page, "visa")
    continue_to_preview(page)
    number, _intent = place_order(page)
    return number, pharmacist
