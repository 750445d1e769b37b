from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from compliance.online import sold_online as _sold_online
from infra.staff import is_staff_member as _is_staff_member
from prescriptions import delivery
from prescriptions.drugs import INFO_SECTIONS, MEDICATION_GUIDE_ES_ATTR, SPANISH, SPANISH_SUFFIX, attribute_values
from prescriptions.drugs import drug_info as _drug_info
from prescriptions.gate import refusals_for_basket
from prescriptions.models import Shipment
from prescriptions.orders import OrderStatus
from prescriptions.review.permissions import may_use_workspace as _may_use_workspace
from prescriptions.richtext import clean_drug_info_html, clean_staff_html
from shop.storefront import selectors

register = template.Library()


@register.filter
def staff_html(value):
    """A description written by staff in the dashboard (product, category, offer, range,
    shipping method), shown as HTML cut down to an allow-list: in place of oscar's ``|safe``,
    so a value stored any other way than through the cleaned save is no markup either."""
    return mark_safe(clean_staff_html(value))


@register.filter
def drug_info(product):
    return _drug_info(product)


@register.filter
def sold_online(product) -> bool:
    """Whether the product may be ordered here, as far as its DEA schedule goes."""
    return _sold_online(_drug_info(product).dea_schedule)


@register.simple_tag
def drug_sections(product):
    """The drug-information sections the product has, in STOREFRONT.md order.

    The texts are rich text written by pharmacy staff in the catalogue dashboard:
    cleaned to an allow-list when saved, and again here, so nothing stored any other
    way reaches a customer's page as markup.

    In Spanish, each section's Spanish text (``<code>_es``) where the pharmacy wrote one, else the
    English, marked ``lang="en"`` for screen readers; the FDA's Spanish Medication Guide where
    the catalogue has one, else the English guide, with a note saying so.
    """
    values = attribute_values(product)  # a child shows its parent's sections unless it has its own
    spanish = (get_language() or "").split("-")[0] == SPANISH
    sections = []
    for code, title in INFO_SECTIONS:
        text, lang = values.get(code), ""
        if spanish and values.get(code + SPANISH_SUFFIX):
            text = values[code + SPANISH_SUFFIX]
        elif spanish and text:
            lang = "en"
        if text:
            sections.append({"code": code, "title": title, "html": mark_safe(clean_drug_info_html(text)), "lang": lang})
    guide = values.get("medication_guide_url")
    guide_in_english_only = False
    if spanish and guide:
        guide_in_english_only = not values.get(MEDICATION_GUIDE_ES_ATTR[0])
        guide = values.get(MEDICATION_GUIDE_ES_ATTR[0]) or guide
    return {"sections": sections, "medication_guide_url": guide, "guide_in_english_only": guide_in_english_only}


@register.simple_tag
def delivery_promise_for_product(product):
    """When this product would arrive if ordered now (a prescription item: once verified)."""
    return delivery.promise_for_purchase(needs_prescription=_drug_info(product).requires_prescription)


@register.simple_tag
def delivery_promise_for_basket(basket, method_code=None):
    """When the basket would arrive by ``method_code`` (default: the shop's default method)."""
    lines = basket.all_lines() if basket is not None and basket.id else []
    needs = any(_drug_info(line.product).requires_prescription for line in lines)
    return delivery.promise_for_purchase(needs_prescription=needs, method_code=method_code or None)


@register.simple_tag
def delivery_promise_for_order(order):
    """For an order not yet shipped: waiting for the pharmacist, counted from the review target;
    ready to ship, counted from now by the order's method. None once shipped or cancelled."""
    status = str(order.status)
    if status == OrderStatus.AWAITING_DISPENSE:
        return delivery.promise_for_purchase(needs_prescription=True, method_code=order.shipping_code or None)
    if status in (OrderStatus.DISPENSED, OrderStatus.AWAITING_SHIPMENT):
        return delivery.promise_for_parcel(method_code=order.shipping_code or None)
    return None


@register.simple_tag
def order_parcels(order):
    """The parcels of an order, oldest first, with their lines."""
    return list(Shipment.objects.filter(order=order).prefetch_related("lines__order_line"))


@register.simple_tag
def basket_refusals(basket, user):
    """Prescription lines that cannot be bought now, keyed by line id."""
    return {r.line_id: r for r in refusals_for_basket(basket, user=user)}


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.filter
def review_stars(value) -> str:
    """Oscar's ``as_stars`` for a value typed into a form: text that is not a score is no stars."""
    from oscar.templatetags.reviews_tags import as_stars

    try:
        score = float(value or 0)
    except (TypeError, ValueError):
        score = 0.0
    return as_stars(score if 0 <= score <= 5 else 0.0)


@register.simple_tag
def order_timeline(order):
    """The customer's order in plain words (shop.storefront.selectors.order_timeline)."""
    return selectors.order_timeline(order)


@register.simple_tag
def customer_may_cancel(order) -> bool:
    return selectors.customer_may_cancel(order)


@register.simple_tag
def order_line_offers(order, user):
    """Each line of the order with what the customer's order page offers on it."""
    return selectors.order_line_offers(order, user)


@register.filter
def reorder_all_offered(offers) -> bool:
    """ "Re-order all items" only where every line may be re-ordered (no prescription line)."""
    return bool(offers) and all(offer.reorder for offer in offers)


@register.filter
def is_staff_member(user) -> bool:
    """Shop staff or a pharmacy role (pharmacist, technician): they get the Dashboard link."""
    return _is_staff_member(user)


@register.filter
def may_use_workspace(user) -> bool:
    return _may_use_workspace(user)
