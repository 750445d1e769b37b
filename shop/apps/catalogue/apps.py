import functools

import oscar.apps.catalogue.apps as apps

# Oscar's review pages (list, add, detail, vote), all under /catalogue/<slug>_<pk>/reviews/.
REVIEW_URL_NAMES = frozenset({"reviews-list", "reviews-add", "reviews-detail", "reviews-vote"})


def no_reviews_of_prescription_drugs(view):
    """STOREFRONT.md: reviews for OTC products only. Star ratings and testimonials of a
    prescription drug read as medical claims, so its review pages do not exist (404), whether
    reached by a link or by a typed or forged URL."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        from django.http import Http404
        from oscar.core.loading import get_model

        from prescriptions.drugs import requires_prescription

        product = get_model("catalogue", "Product").objects.filter(pk=kwargs.get("product_pk")).first()
        if product is not None and requires_prescription(product):
            raise Http404("Prescription medicines are not reviewed here.")
        return view(request, *args, **kwargs)

    return wrapped


class CatalogueConfig(apps.CatalogueConfig):
    name = "shop.apps.catalogue"

    def ready(self):
        super().ready()
        from django.db.models.signals import pre_save

        from prescriptions.richtext import clean_info_section_value, connect_staff_html_cleaning

        # Staff-written drug information is shown as HTML to every customer: cleaned when saved.
        pre_save.connect(
            clean_info_section_value,
            sender=self.get_model("ProductAttributeValue"),
            dispatch_uid="rxshop-clean-drug-info-html",
        )
        # So are the product, category, offer, range and shipping-method descriptions.
        connect_staff_html_cleaning()

    def get_url_decorator(self, pattern):
        decorator = super().get_url_decorator(pattern)
        if pattern.name not in REVIEW_URL_NAMES:
            return decorator
        if decorator is None:
            return no_reviews_of_prescription_drugs
        return lambda view: no_reviews_of_prescription_drugs(decorator(view))
