from oscar.apps.catalogue.product_attributes import ProductAttributesContainer as OscarProductAttributesContainer

from prescriptions.richtext import clean_attribute_value


class ProductAttributesContainer(OscarProductAttributesContainer):
    """``product.attr.save()`` (the dashboard's product form, the demo loader) writes the
    values with ``bulk_update``/``bulk_create``, which send no ``pre_save``: the staff-written
    drug information is cleaned here before it is written (single saves, such as the
    admin's, are cleaned by the ``pre_save`` receiver in ``apps.py``)."""

    def prepare_save(self):
        to_be_updated, to_be_created, to_be_deleted, update_fields = super().prepare_save()
        for value_obj in (*to_be_updated, *to_be_created):
            clean_attribute_value(value_obj)
        return to_be_updated, to_be_created, to_be_deleted, update_fields
