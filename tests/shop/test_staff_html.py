"""Every staff-written description that oscar prints as HTML is cut down to safe HTML, when
saved and when shown (issue 18.11, as a class): the product and category descriptions, the
offer and range descriptions, the shipping methods'. Oscar's templates print them with
``|safe``; rxshop's copies print them through ``|staff_html`` (prescriptions/richtext.py)."""

from __future__ import annotations

import re
from pathlib import Path

import oscar
import pytest
from django.template.loader import get_template
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import ConditionalOfferFactory, RangeFactory

from prescriptions.richtext import STAFF_HTML_FIELDS
from tests.factories import product

from .test_drug_info_html import HOSTILE, _assert_safe_and_kept

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Range = get_model("offer", "Range")

pytestmark = pytest.mark.django_db

OSCAR_TEMPLATES = Path(oscar.__file__).parent / "templates"
# The staff-written fields of STAFF_HTML_FIELDS, as oscar's templates name them.
RAW = re.compile(
    r"\b(?:product|category|offer|range|method|shipping_method)\.(?:long_)?description\|safe\b",
)


META_DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)"')


def _page(client, url) -> str:
    """The page, less oscar's meta description: the description's text with its tags stripped,
    escaped into an attribute (the words of a script are text there, not a script)."""
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    for meta in META_DESCRIPTION.findall(page):
        assert "<" not in meta
    return META_DESCRIPTION.sub("", page)


def test_a_product_description_stored_raw_is_cleaned_on_the_product_page(client, demo_shop):
    balm = product("OTC-LIPBALM")
    Product.objects.filter(pk=balm.pk).update(description=HOSTILE)  # no signal: as a raw SQL write
    _assert_safe_and_kept(_page(client, balm.get_absolute_url()))


def test_category_descriptions_stored_raw_are_cleaned_on_the_category_page(client, demo_shop):
    category = Category.objects.order_by("pk").first()
    Category.objects.filter(pk=category.pk).update(description=HOSTILE, long_description=HOSTILE)
    page = _page(client, category.get_absolute_url())
    _assert_safe_and_kept(page)
    assert page.count("<h2>Take with food</h2>") == 2  # both shown, both cleaned


def test_a_range_description_stored_raw_is_cleaned_on_the_range_page(client, demo_shop):
    offer_range = RangeFactory(is_public=True)
    Range.objects.filter(pk=offer_range.pk).update(description=HOSTILE)
    _assert_safe_and_kept(_page(client, reverse("catalogue:range", kwargs={"slug": offer_range.slug})))


def test_an_offer_description_stored_raw_is_cleaned_on_the_offers_page(client, demo_shop):
    offer = ConditionalOfferFactory(name="Winter lip care")
    ConditionalOffer.objects.filter(pk=offer.pk).update(description=HOSTILE)
    page = _page(client, reverse("offer:list"))
    assert "Winter lip care" in page
    _assert_safe_and_kept(page)


def test_descriptions_are_cleaned_when_saved(demo_shop):
    from oscar.apps.shipping.models import OrderAndItemCharges, WeightBased

    balm = product("OTC-LIPBALM")
    balm.description = HOSTILE
    balm.save()
    category = Category.objects.order_by("pk").first()
    category.description = category.long_description = HOSTILE
    category.save()
    offer_range = RangeFactory(description=HOSTILE)
    offer = ConditionalOfferFactory(description=HOSTILE)
    weight = WeightBased.objects.create(name="By weight", code="by-weight", description=HOSTILE)
    charges = OrderAndItemCharges.objects.create(name="Flat", code="flat", description=HOSTILE)
    stored = [
        Product.objects.get(pk=balm.pk).description,
        *Category.objects.filter(pk=category.pk).values_list("description", "long_description").get(),
        Range.objects.get(pk=offer_range.pk).description,
        ConditionalOffer.objects.get(pk=offer.pk).description,
        WeightBased.objects.get(pk=weight.pk).description,
        OrderAndItemCharges.objects.get(pk=charges.pk).description,
    ]
    for value in stored:
        _assert_safe_and_kept(value)


def test_every_model_named_is_a_real_field():
    from django.apps import apps

    for label, fields in STAFF_HTML_FIELDS.items():
        model = apps.get_model(label)
        for name in fields:
            assert model._meta.get_field(name).get_internal_type() == "TextField", (label, name)


BLOCK = re.compile(r"{%\s*(block\s+(\w+)|endblock)[^%]*%}")


def _blocks(source: str) -> dict[str, str]:
    """Each block's name and text, innermost first for a position (a small parse of the tags)."""
    found, stack = {}, []
    for tag in BLOCK.finditer(source):
        if tag.group(2):
            stack.append((tag.group(2), tag.end()))
        elif stack:
            name, start = stack.pop()
            found[name] = source[start : tag.start()]
    return found


def _raw_blocks(source: str) -> set[str]:
    """The innermost blocks that print a staff description raw."""
    blocks = _blocks(source)
    return {
        name
        for name, text in blocks.items()
        if RAW.search(text)
        and not any(RAW.search(inner) for other, inner in blocks.items() if other != name and inner in text)
    }


def test_no_template_served_prints_a_staff_description_raw():
    """The sweep: every customer-facing oscar template that prints one of these with |safe is
    served as rxshop's copy that does not, or as rxshop's extension of it that replaces each
    such block without ``block.super``; no template of rxshop's prints one with |safe."""
    offenders, checked = [], 0
    for path in sorted((OSCAR_TEMPLATES / "oscar").rglob("*.html")):
        name = path.relative_to(OSCAR_TEMPLATES).as_posix()
        source = path.read_text()
        if name.startswith("oscar/dashboard/") or not RAW.search(source):
            continue
        checked += 1
        served = get_template(name).template
        if Path(served.origin.name) == path:
            offenders.append(f"{name} is oscar's own")
            continue
        if RAW.search(served.source):
            offenders.append(f"{name} (served from {served.origin.name})")
        if '{% extends "' + name + '" %}' in served.source:
            mine = _blocks(served.source)
            for block in _raw_blocks(source):
                if block not in mine or "block.super" in mine[block]:
                    offenders.append(f"{name}: block {block} still oscar's")
    for base in ("shop/templates", "prescriptions/templates"):
        for path in Path(base).rglob("*.html"):
            if RAW.search(path.read_text()):
                offenders.append(str(path))
    assert checked >= 7  # catalogue detail and category, offers list, detail and range, two of checkout
    assert not offenders, "staff-written HTML printed with |safe (use |staff_html):\n  " + "\n  ".join(offenders)
