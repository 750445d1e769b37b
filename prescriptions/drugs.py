"""Drug facts read from oscar product attributes.

The catalogue keeps pharmacy data as oscar ``ProductAttribute`` values on two
product classes ("Prescription medicine" and "Over-the-counter"). This module
is the one place that knows the attribute codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

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
    ("ingredient_codes", "Ingredient codes (RxNorm RxCUI, comma-separated)", "text"),
)
# Drug-information sections shown on the product page (STOREFRONT.md), in order.
INFO_SECTIONS: tuple[tuple[str, str], ...] = (
    ("boxed_warning", _("Boxed warning")),
    ("how_it_works", _("How it works")),
    ("uses", _("Uses")),
    ("not_for_you", _("When it is not for you")),
    ("benefits", _("Benefits")),
    ("side_effects", _("Side effects")),
    ("recommendations", _("Recommendations")),
    ("faq", _("Frequently asked questions")),
)
MEDICATION_GUIDE_ATTR = ("medication_guide_url", "FDA Medication Guide (link)", "text")
# The same information in Spanish: attributes of their own, the section's code with "_es"
# ("boxed_warning_es"), written by the pharmacy in the catalogue dashboard like the English.
# A section without its Spanish text is shown in English (marked lang="en"); the Spanish
# Medication Guide link is the FDA's Spanish guide where the FDA publishes one, else empty.
SPANISH = "es"
SPANISH_SUFFIX = "_es"
SPANISH_INFO_SECTIONS: tuple[tuple[str, str], ...] = tuple(
    (f"{code}{SPANISH_SUFFIX}", f"{title} (Spanish)") for code, title in INFO_SECTIONS
)
MEDICATION_GUIDE_ES_ATTR = (
    "medication_guide_url_es",
    "FDA Medication Guide in Spanish (link, if the FDA has one)",
    "text",
)


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
    ingredient_codes: tuple[str, ...] = ()

    @property
    def is_controlled(self) -> bool:
        return is_controlled(self.dea_schedule)


_CODES = tuple(code for code, _, _ in ATTRIBUTES)


def attribute_values(product) -> dict:
    """Every attribute value of a product by code, a child's merged over its
    parent's (oscar's ``get_attribute_values``). Oscar returns a list when the
    queryset used ``prefetch_attribute_values`` (the catalogue, the detail page of
    a parent with children) and a queryset otherwise: both are read the same way
    here, never by calling queryset methods on the result."""
    rows = product.get_attribute_values()
    if hasattr(rows, "select_related"):
        rows = rows.select_related("attribute")
    return {value.attribute.code: value.value for value in rows}


def _own_values(product) -> dict:
    """The drug attributes set on this product itself (a child's own, without its parent's)."""
    rows = getattr(product, "_prefetched_attribute_values", None)
    if rows is None:
        rows = product.attribute_values.select_related("attribute") if product.pk else ()
    return {value.attribute.code: value.value for value in rows if value.attribute.code in _CODES}


def _info(values: dict) -> DrugInfo:
    return DrugInfo(
        requires_prescription=bool(values.get("requires_prescription", False)),
        programme=(values.get("programme") or "").strip().lower(),
        dea_schedule=values.get("dea_schedule"),
        active_ingredient=values.get("active_ingredient") or "",
        strength=values.get("strength") or "",
        dosage_form=values.get("dosage_form") or "",
        pack_size=values.get("pack_size"),
        ndc=values.get("ndc") or "",
        minimum_age=values.get("minimum_age"),
        ingredient_codes=ingredient_codes(values.get("ingredient_codes") or ""),
    )


def ingredient_codes(text: str) -> tuple[str, ...]:
    """The RxCUIs of ``ingredient_codes`` ("6064" or "3640, 6064"), in order, without repeats."""
    return tuple(dict.fromkeys(code.strip() for code in text.replace(";", ",").split(",") if code.strip()))


def _stricter_schedule(a: int | None, b: int | None) -> int | None:
    # Schedule I is the strictest, V the least: the lower number wins.
    present = [s for s in (a, b) if s is not None]
    return min(present) if present else None


def _variant_info(child: DrugInfo, parent: DrugInfo) -> DrugInfo:
    """A child product (one strength or pack size of a drug) as the rules see it.

    It needs a prescription if it or its parent says so; what identifies the
    medicine (ingredient, strength, dosage form, pack size, NDC) is the child's own
    where it has it; the DEA schedule, the safety programme and the minimum age are
    the stricter of the two, so a catalogue edit on either level can never make a
    variant less controlled than the drug it belongs to.
    """
    ages = [a for a in (child.minimum_age, parent.minimum_age) if a is not None]
    return DrugInfo(
        requires_prescription=child.requires_prescription or parent.requires_prescription,
        programme=child.programme or parent.programme,
        dea_schedule=_stricter_schedule(child.dea_schedule, parent.dea_schedule),
        active_ingredient=child.active_ingredient or parent.active_ingredient,
        strength=child.strength or parent.strength,
        dosage_form=child.dosage_form or parent.dosage_form,
        pack_size=child.pack_size if child.pack_size is not None else parent.pack_size,
        ndc=child.ndc or parent.ndc,
        minimum_age=max(ages) if ages else None,
        ingredient_codes=child.ingredient_codes or parent.ingredient_codes,
    )


def drug_info(product) -> DrugInfo:
    """The drug facts of a product; for a child product, its own merged with its
    parent's (``_variant_info``), however it was loaded.

    Cached on the instance: a query or two per product at most, none when the
    queryset used ``prefetch_attribute_values``.
    """
    cached = getattr(product, "_rx_drug_info", None)
    if cached is not None:
        return cached
    info = _info(_own_values(product))
    if product.is_child and product.parent_id:
        parent = product.parent
        prefetched = getattr(parent, "_prefetched_parent_attribute_values", None)
        if prefetched is not None and getattr(parent, "_rx_drug_info", None) is None:
            parent_info = _info({v.attribute.code: v.value for v in prefetched if v.attribute.code in _CODES})
        else:
            parent_info = drug_info(parent)
        info = _variant_info(info, parent_info)
    product._rx_drug_info = info
    return info


def requires_prescription(product) -> bool:
    return drug_info(product).requires_prescription
