"""A drug sold in several strengths: an oscar parent product with child products,
drug facts set per child (``structure="parent"`` / ``structure="child"``)."""

from __future__ import annotations

from decimal import Decimal

from oscar.test.factories import ProductFactory

from tests.factories import DrugProductClassFactory, PharmacyStockRecordFactory


def child_of(parent, *, upc: str, title: str, price: str = "24.00", **drug):
    child = ProductFactory(
        structure="child", parent=parent, product_class=None, upc=upc, title=title, stockrecords=None, categories=None
    )
    PharmacyStockRecordFactory(product=child, partner_sku=upc, price=Decimal(price), num_in_stock=100)
    for code, value in drug.items():
        setattr(child.attr, code, value)
    child.attr.save()
    return child


def doxycycline_in_two_strengths(
    *, parent_drug: dict | None = None, child_50: dict | None = None, child_100: dict | None = None
):
    """The parent names the drug; each child is one strength with its own NDC.

    By default the parent does not say "requires prescription": each child does.
    """
    parent = ProductFactory(
        structure="parent",
        product_class=DrugProductClassFactory(),
        upc="VAR-DOXY",
        title="Doxycycline hyclate capsules",
        stockrecords=None,
        categories=None,
        is_public=True,
    )
    values = {
        "active_ingredient": "Doxycycline hyclate",
        "dosage_form": "Capsule",
        "how_it_works": "<p>Doxycycline is a tetracycline antibiotic.</p>",
        **(parent_drug or {}),
    }
    for code, value in values.items():
        setattr(parent.attr, code, value)
    parent.attr.save()
    low = child_of(
        parent,
        upc="VAR-DOXY-50",
        title="Doxycycline hyclate 50 mg capsules (28)",
        **{
            "requires_prescription": True,
            "strength": "50 mg",
            "ndc": "99999-0250-28",
            "pack_size": 28,
            **(child_50 or {}),
        },
    )
    high = child_of(
        parent,
        upc="VAR-DOXY-100",
        title="Doxycycline hyclate 100 mg capsules (28)",
        **{
            "requires_prescription": True,
            "strength": "100 mg",
            "ndc": "99999-0200-28",
            "pack_size": 28,
            **(child_100 or {}),
        },
    )
    return parent, low, high
