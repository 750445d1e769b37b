"""Oscar's basket views; the line formset survives a form without its limits.

Oscar's ``BasketView.remove_deleted_forms`` copies ``MIN_NUM_FORMS`` and
``MAX_NUM_FORMS`` from the posted data unchecked: a form without them (a
hand-made POST) was a server error. Django's formsets treat both as optional.
"""

from __future__ import annotations

from oscar.apps.basket import views as oscar_views


class BasketView(oscar_views.BasketView):
    def remove_deleted_forms(self, formset):
        data = formset.data.copy()
        for name, default in (("MIN_NUM_FORMS", formset.min_num), ("MAX_NUM_FORMS", formset.max_num)):
            data.setdefault(formset.management_form.add_prefix(name), str(default))
        formset.data = data
        return super().remove_deleted_forms(formset)
