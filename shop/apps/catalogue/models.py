import os

from django.core.exceptions import ImproperlyConfigured
from oscar.apps.catalogue.abstract_models import AbstractProduct, MissingProductImage

from prescriptions.drugs import requires_prescription


class RaceSafeMissingProductImage(MissingProductImage):
    """Oscar links its "image not found" picture into MEDIA_ROOT on first use: it checks
    that the link is missing, then creates it. Two web workers showing a product without
    a picture at the same moment both find it missing, and the second one's symlink fails
    (a server error). Whoever created it, the link is there: that is all that matters."""

    def symlink_missing_image(self, media_file_path):
        try:
            super().symlink_missing_image(media_file_path)
        except ImproperlyConfigured:
            if not os.path.exists(media_file_path):
                raise


class Product(AbstractProduct):
    def get_missing_image(self):
        return RaceSafeMissingProductImage()

    def is_review_permitted(self, user):
        """STOREFRONT.md: reviews of OTC products only. A prescription medicine's review
        pages do not exist (``CatalogueConfig``), so no page may offer "Write a review"
        for one (it led to a 404 from the customer's order page)."""
        return not requires_prescription(self) and super().is_review_permitted(user)


from oscar.apps.catalogue.models import *  # noqa: E402,F401,F403  (oscar's fork pattern)
