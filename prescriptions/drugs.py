"""Drug facts read from oscar product attributes.

The catalogue keeps pharmacy data as oscar ``ProductAttribute`` values on two
product classes ("Prescription medicine" and "Over-the-counter"). This module
is the one place that knows the attribute codes.
"""
from __future__ import annotations

from dataclasses import dataclass

from compliance.core.online_rules import is_controlled

# Attribute codes: (code, name, type). Shared by both product classes.
ATTRIBUTES: tuple[tuple[str, str, str], ...] = (
    ("requires_prescription", "Requires prescription", "boolean"),
    ("programme", "Safety programme (REMS)", "text"),
    ("dea_schedule", "DEA schedule", "integer"),
    ("active_ingredient", "Active ingredient", "text"),
    ("strength", "Strength", "text"),
    ("dosage_form", "Dosage form", "text"),
    ("pack_size", "Pack size", "integer"),
    ("ndc", "NDC", "text"),
    ("minimum_age", "Minimum patient age", "integer"),
)
# Drug-information sections shown on the product page (STOREFRONT.md), in order.
INFO_SECTIONS: tuple[tuple[str, str], ...] = (
    ("boxed_warning", "Boxed warning"),
    ("how_it_works", "How it works"),
    ("uses", "Uses"),
    ("not_for_you", "When it is not for you"),
    ("benefits", "Benefits"),
    ("side_effects", "Side effects"),
    ("recommendations", "Recommendations"),
    ("faq", "Frequently asked questions"),
)
MEDICATION_GUIDE_ATTR = ("medication_guide_url", "FDA Medication Guide (link)", "text")


@dataclass(frozen=True)
class DrugInfo:
    requires_prescription: bool = False
    programme: str = ""
    dea_schedule: int | None = None
    active_ingredient: str = ""
    strength: str = ""
    dosage_form: str = ""
    pack_size: int | None = None
    ndc: str = ""
    minimum_age: int | None = None

    @property
    def is_controlled(self) -> bool:
        return is_controlled(self.dea_schedule)


_CODES = tuple(code for code, _, _ in ATTRIBUTES)


def drug_info(product) -> DrugInfo:
    """The drug facts of a product (a child product inherits its parent's).

    Cached on the instance: one query per product at most, none when the
    queryset used ``prefetch_attribute_values``.
    """
    cached = getattr(product, "_rx_drug_info", None)
    if cached is not None:
        return cached
    if hasattr(product, "_prefetched_attribute_values"):
        rows = product.get_attribute_values()  # prefetched, parent's merged in: no query
    else:
        source = product.parent if product.is_child and product.parent_id else product
        rows = source.get_attribute_values().select_related("attribute")
    values = {}
    for value in rows:
        code = value.attribute.code
        if code in _CODES:
            values[code] = value.value
    info = DrugInfo(
        requires_prescription=bool(values.get("requires_prescription", False)),
        programme=(values.get("programme") or "").strip().lower(),
        dea_schedule=values.get("dea_schedule"),
        active_ingredient=values.get("active_ingredient") or "",
        strength=values.get("strength") or "",
        dosage_form=values.get("dosage_form") or "",
        pack_size=values.get("pack_size"),
        ndc=values.get("ndc") or "",
        minimum_age=values.get("minimum_age"),
    )
    product._rx_drug_info = info
    return info


def requires_prescription(product) -> bool:
    return drug_info(product).requires_prescription
