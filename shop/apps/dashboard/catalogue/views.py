"""Oscar's catalogue dashboard views; the category form's errors are shown, not a 500.

A refused category form has already written its values onto the category (the model
form's ``_post_clean``), and the page then links "View on site" to the category's
URL: with an empty slug there is none, and the page was a server error.
"""

from __future__ import annotations

from oscar.apps.dashboard.catalogue import views as oscar_views


class CategoryUpdateView(oscar_views.CategoryUpdateView):
    def form_invalid(self, form):
        self.object = self.get_object()  # the stored category, for the page around the form
        return super().form_invalid(form)
