"""Template tags for the product page and the basket (presentation only: the
answers come from ``prescriptions.selectors``)."""

from django import template

from prescriptions.drugs import drug_info

from .. import refills, selectors, wording

register = template.Library()


@register.inclusion_tag("prescriptions/partials/product_actions.html", takes_context=True)
def prescription_actions(context, product):
    """On a prescription product's page: upload a prescription, or see that one is on file."""
    request = context.get("request")
    user = getattr(request, "user", None)
    verified = []
    if user is not None and user.is_authenticated:
        verified = list(selectors.verified_prescriptions_for(user, product)[:3])
    info = drug_info(product)
    return {
        "product": product,
        "user": user,
        "verified": verified,
        "can_upload": info.requires_prescription,
    }


@register.simple_tag
def rx_basket_coverage(basket):
    """Coverage of each prescription line of the basket, keyed by line id."""
    if basket is None or not getattr(basket, "id", None):
        return {}
    return selectors.coverage_for_basket(basket)


@register.simple_tag
def order_refills(order):
    """The refill picture of each prescription the order's lines were filled under
    (the order page's Refill buttons): ``prescriptions.refills.RefillInfo`` rows."""
    prescriptions = selectors.prescriptions_of_order(order)
    infos = refills.refill_infos(prescriptions)
    return [infos[p.pk] for p in prescriptions if p.pk in infos]


@register.filter
def customer_wording(text) -> str:
    """A rule's customer sentence (e.g. a refill status's message) in the reader's language."""
    return wording.customer_wording(text)
