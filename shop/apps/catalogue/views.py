"""Catalogue browsing straight from the database.

Oscar browses through haystack; with the simple backend an empty query lists
nothing, and a pharmacy catalogue of a few thousand products does not need a
search server to be browsed. These views keep oscar's templates and URLs and
list public products with their stock records and attribute values prefetched,
so a page costs the same number of queries whatever the catalogue size.
Full-text search stays on oscar's search app.
"""

from __future__ import annotations

from urllib.parse import unquote

from django.conf import settings
from django.contrib import messages
from django.core.paginator import InvalidPage
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView
from oscar.apps.catalogue.views import ProductDetailView  # noqa: F401  (oscar's, unchanged)
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")


def browsable_products():
    return Product.objects.browsable().base_queryset().prefetch_attribute_values().order_by("title", "pk")


class _InvalidPageNumber(Exception):
    pass


class OscarPagination:
    """Oscar's answer to a page number out of range or not a number (its ``CatalogueView``
    and ``ProductCategoryView`` catch ``InvalidPage``): a message and the first page, not
    Django's 404 — an old link or a shrunk catalogue must not be a dead end."""

    def paginate_queryset(self, queryset, page_size):
        try:
            return super().paginate_queryset(queryset, page_size)
        except Http404 as exc:
            # ListView turns InvalidPage into Http404; only that one is ours to handle.
            if isinstance(exc.__context__, (InvalidPage, ValueError)):
                raise _InvalidPageNumber from exc
            raise

    def first_page_url(self) -> str:
        query = self.request.GET.copy()
        query.pop(self.page_kwarg, None)
        return self.request.path + (f"?{query.urlencode()}" if query else "")

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except _InvalidPageNumber:
            messages.error(request, _("The given page number was invalid."))
            return redirect(self.first_page_url())


class CatalogueView(OscarPagination, ListView):
    template_name = "oscar/catalogue/browse.html"
    context_object_name = "products"
    paginate_by = settings.OSCAR_PRODUCTS_PER_PAGE

    def get_queryset(self):
        return browsable_products()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["summary"] = _("All products")
        return ctx


class ProductCategoryView(OscarPagination, ListView):
    template_name = "oscar/catalogue/category.html"
    context_object_name = "products"
    paginate_by = settings.OSCAR_PRODUCTS_PER_PAGE

    def get(self, request, *args, **kwargs):
        self.category = get_object_or_404(Category, pk=kwargs["pk"])
        if not (self.category.is_public or request.user.is_staff):
            raise Http404()
        expected = self.category.get_absolute_url()
        if unquote(expected) != unquote(request.path):
            return HttpResponsePermanentRedirect(expected)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        categories = self.category.get_descendants_and_self()
        return browsable_products().filter(categories__in=categories).distinct()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["category"] = self.category
        ctx["summary"] = self.category.name
        return ctx
