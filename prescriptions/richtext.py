"""Drug-information text written by staff, made safe to show to every customer.

The info sections (``drugs.INFO_SECTIONS``) are rich text typed in the catalogue
dashboard and shown on the product page as HTML. Anyone who may edit a product
could otherwise put a form, an iframe or a link dressed as the pharmacy's on every
customer's page, so the HTML is cut down to an allow-list when it is saved and
again when it is shown (a value stored before this rule, or written with SQL,
is still cleaned on the way out).
"""

from __future__ import annotations

import nh3

from .drugs import INFO_SECTIONS

INFO_SECTION_CODES = frozenset(code for code, _title in INFO_SECTIONS)

ALLOWED_TAGS = frozenset(
    {
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "p",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "b",
        "i",
        "strong",
        "em",
        "br",
        "a",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href"}}
# No javascript:, data: or relative links: a link leaves for a real site or an e-mail.
ALLOWED_URL_SCHEMES = frozenset({"https", "mailto"})


def clean_drug_info_html(html: str | None) -> str:
    """Headings, paragraphs, lists, bold/italic, line breaks and https/mailto links;
    everything else is removed (script and style with their content)."""
    if not html:
        return ""
    return nh3.clean(
        str(html),
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer",
    )


def clean_attribute_value(value_obj) -> None:
    """Clean an oscar ProductAttributeValue in place if it is a drug-information section."""
    if value_obj.attribute.code not in INFO_SECTION_CODES:
        return
    for field in ("value_richtext", "value_text"):
        value = getattr(value_obj, field)
        if isinstance(value, str):
            setattr(value_obj, field, clean_drug_info_html(value))


def clean_info_section_value(sender, instance, **kwargs) -> None:
    """``pre_save`` receiver for oscar's ProductAttributeValue: single saves (the admin,
    ``objects.create``). Oscar's bulk writes from ``product.attr.save()`` send no signal:
    the catalogue fork's ProductAttributesContainer cleans those."""
    clean_attribute_value(instance)


# --- Every other staff-written rich text that oscar prints as HTML -----------------------------------
#
# Oscar's templates print these with ``|safe``: the catalogue dashboard's product and
# category descriptions, the offer and range descriptions, the shipping methods'.
# The same allow-list, when saved (``clean_staff_html_fields``, a ``pre_save``
# receiver) and when shown (the ``staff_html`` filter, shop/storefront/templatetags/
# pharmacy_tags.py, in rxshop's copies of those templates).

STAFF_HTML_FIELDS: dict[str, tuple[str, ...]] = {
    "catalogue.Product": ("description",),
    "catalogue.Category": ("description", "long_description"),
    "offer.ConditionalOffer": ("description",),
    "offer.Range": ("description",),
    "shipping.OrderAndItemCharges": ("description",),
    "shipping.WeightBased": ("description",),
}


def clean_staff_html(html: str | None) -> str:
    """A description written by staff, down to the drug-information allow-list."""
    return clean_drug_info_html(html)


def clean_staff_html_fields(sender, instance, **kwargs) -> None:
    """``pre_save`` receiver for the models of ``STAFF_HTML_FIELDS``."""
    for field in STAFF_HTML_FIELDS.get(sender._meta.label, ()):
        value = getattr(instance, field, None)
        if isinstance(value, str) and value:
            setattr(instance, field, clean_staff_html(value))


def connect_staff_html_cleaning() -> None:
    from django.apps import apps
    from django.db.models.signals import pre_save

    for label in STAFF_HTML_FIELDS:
        pre_save.connect(
            clean_staff_html_fields, sender=apps.get_model(label), dispatch_uid=f"rxshop-clean-staff-html-{label}"
        )
