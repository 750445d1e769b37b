"""Oscar's product-category formset, with Django's uniqueness check put back.

Oscar's ``ProductCategoryFormSet.clean`` replaces the model formset's ``clean`` without
calling it, so the formset never runs ``validate_unique``: the same category chosen on
two rows reached the database's unique constraint and the product page was a server
error. The duplicate is now a form error on the page.
"""

from __future__ import annotations

from oscar.apps.dashboard.catalogue import formsets as oscar_formsets


class ProductCategoryFormSet(oscar_formsets.ProductCategoryFormSet):
    def clean(self):
        self.validate_unique()
        super().clean()
