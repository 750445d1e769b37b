"""Products, on top of oscar's ``ProductFactory``, with their drug facts set the way the
demo catalogue sets them (``shop/storefront/demo.py``): oscar product attributes whose
codes ``prescriptions.drugs`` owns, on the two product classes of the catalogue.

    OtcProductFactory()              over the counter (lip balm): no prescription
    RxProductFactory()               prescription only (doxycycline 100 mg)
    ControlledProductFactory()       a controlled substance (tramadol, DEA Schedule IV): listed, not sold online
    IsotretinoinProductFactory()     iPLEDGE (isotretinoin 20 mg capsules)

Each has one stock record at the pharmacy's partner, in US dollars: ``price`` and
``num_in_stock`` set it. ``drug__strength="40 mg"`` changes one drug fact.
"""

from __future__ import annotations

from decimal import Decimal

import factory
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.core.loading import get_model
from oscar.test.factories import (
    PartnerFactory,
    ProductClassFactory,
    ProductFactory,
    StockRecordFactory,
)

from prescriptions.drugs import ATTRIBUTES, INFO_SECTIONS, MEDICATION_GUIDE_ATTR
from shop.storefront import demo_catalogue

ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductCategory = get_model("catalogue", "ProductCategory")


class DrugProductClassFactory(ProductClassFactory):
    """One of the catalogue's two product classes, with every drug attribute and information section."""

    class Meta:
        model = get_model("catalogue", "ProductClass")
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True  # the hooks write other rows, not the class

    slug = demo_catalogue.RX
    name = "Prescription medicine"
    requires_shipping = True
    track_stock = True

    @factory.post_generation
    def attributes(product_class, create, extracted, **kwargs):
        if not create:
            return
        for code, name, attribute_type in (*ATTRIBUTES, MEDICATION_GUIDE_ATTR):
            ProductAttribute.objects.get_or_create(
                product_class=product_class, code=code, defaults={"name": name, "type": attribute_type}
            )
        for code, name in INFO_SECTIONS:
            ProductAttribute.objects.get_or_create(
                product_class=product_class, code=code, defaults={"name": name, "type": "richtext"}
            )


class OtcProductClassFactory(DrugProductClassFactory):
    slug = demo_catalogue.OTC
    name = "Over-the-counter"


class PharmacyPartnerFactory(PartnerFactory):
    """The pharmacy that holds the stock (the demo's partner)."""

    class Meta:
        model = get_model("partner", "Partner")
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = "rxshop-pharmacy"
    name = "rxshop Pharmacy"


class PharmacyStockRecordFactory(StockRecordFactory):
    partner = factory.SubFactory(PharmacyPartnerFactory)
    price_currency = "USD"


def _file_under_category(product, create, extracted, **kwargs):
    """Filed under a category as the demo files its products (``extracted``: a breadcrumb path)."""
    if not create:
        return
    default = "Prescription medicines > Test" if product.product_class.slug == demo_catalogue.RX else "Skin care"
    ProductCategory.objects.get_or_create(product=product, category=create_from_breadcrumbs(extracted or default))


class OtcProductFactory(ProductFactory):
    """An over-the-counter product: anyone may buy it."""

    class Meta:
        model = get_model("catalogue", "Product")
        skip_postgeneration_save = True  # the hooks write other rows, not the product

    class Params:
        price = Decimal("4.99")
        num_in_stock = 500

    upc = factory.Sequence(lambda n: f"TEST-OTC-{n:04d}")
    title = "Lip balm SPF 15, fragrance-free (4.5 g)"
    product_class = factory.SubFactory(OtcProductClassFactory)
    is_public = True
    drug = factory.Dict(
        {
            "requires_prescription": False,
            "active_ingredient": "Petrolatum 30%; octinoxate, zinc oxide (sunscreen)",
            "dosage_form": "Lip balm",
            "pack_size": 1,
        }
    )
    stockrecords = factory.RelatedFactory(
        PharmacyStockRecordFactory,
        factory_related_name="product",
        partner_sku=factory.SelfAttribute("..upc"),
        price=factory.SelfAttribute("..price"),
        num_in_stock=factory.SelfAttribute("..num_in_stock"),
    )
    categories = factory.PostGeneration(_file_under_category)

    @classmethod
    def _create(cls, model_class, *args, drug, **kwargs):
        product = super()._create(model_class, *args, **kwargs)
        for code, value in drug.items():
            setattr(product.attr, code, value)
        product.attr.save()
        return product


class RxProductFactory(OtcProductFactory):
    """A prescription-only medicine, with no programme and not controlled."""

    class Params:
        price = Decimal("24.00")
        num_in_stock = 300

    upc = factory.Sequence(lambda n: f"TEST-RX-{n:04d}")
    title = "Doxycycline hyclate 100 mg capsules (28)"
    product_class = factory.SubFactory(DrugProductClassFactory)
    drug = factory.Dict(
        {
            "requires_prescription": True,
            "active_ingredient": "Doxycycline hyclate",
            "strength": "100 mg",
            "dosage_form": "Capsule",
            "pack_size": 28,
            "ndc": "10544-060-28",
            "medication_guide_url": demo_catalogue.MEDICATION_GUIDES,
        }
    )


class ControlledProductFactory(RxProductFactory):
    """A controlled substance (DEA Schedule IV): listed, but not sold online."""

    class Params:
        price = Decimal("18.00")
        num_in_stock = 100

    title = "Tramadol hydrochloride 50 mg tablets (30)"
    drug = factory.Dict(
        {
            "requires_prescription": True,
            "dea_schedule": 4,
            "active_ingredient": "Tramadol hydrochloride",
            "strength": "50 mg",
            "dosage_form": "Tablet",
            "pack_size": 30,
            "ndc": "50090-0806-0",
            "minimum_age": 18,
            "medication_guide_url": demo_catalogue.MEDICATION_GUIDES,
        }
    )


class IsotretinoinProductFactory(RxProductFactory):
    """Isotretinoin 20 mg, dispensed only under the iPLEDGE REMS programme."""

    class Params:
        price = Decimal("149.00")
        num_in_stock = 200

    title = "Isotretinoin 20 mg capsules (30)"
    drug = factory.Dict(
        {
            "requires_prescription": True,
            "programme": "ipledge",
            "active_ingredient": "Isotretinoin",
            "strength": "20 mg",
            "dosage_form": "Capsule",
            "pack_size": 30,
            "ndc": "0555-1055-86, 0378-6612-93",
            "minimum_age": 12,
            "medication_guide_url": demo_catalogue.MEDICATION_GUIDES,
        }
    )
