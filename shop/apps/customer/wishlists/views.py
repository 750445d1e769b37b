"""Oscar's wish list views; a tampered line formset is a message, not a server error.

Oscar's ``WishListDetailView`` re-renders a refused formset with its forms, and the
page links each line by its id: a posted form that names no line of the list (a
hand-made POST, a line removed meanwhile) has none, and the page crashed.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from oscar.apps.customer.wishlists import views as oscar_views


class WishListDetailView(oscar_views.WishListDetailView):
    def form_invalid(self, form):
        if not form.management_form.is_valid() or any(f.instance.pk is None for f in form.forms):
            messages.error(self.request, _("Your wish list changed meanwhile: please make your changes again."))
            return redirect(self.request.path)
        return super().form_invalid(form)
