"""A visitor browses the shop in a real browser; pages pass the accessibility check."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e


def test_visitor_reads_isotretinoin_information_and_sees_prescription_steps(stack, page, shots):
    page.goto(f"{stack.base_url}/")
    expect(page).to_have_url(re.compile(r"/catalogue/$"))
    shots(page, "home")
    assert_accessible(page, "home")
    page.get_by_role("link", name="Isotretinoin 20 mg capsules (30)").first.click()
    expect(page.get_by_text("Prescription required").first).to_be_visible()
    expect(page.get_by_role("heading", name="Boxed warning")).to_be_visible()
    expect(page.get_by_text("Upload your prescription").first).to_be_visible()
    shots(page, "isotretinoin-page")
    assert_accessible(page, "product")
