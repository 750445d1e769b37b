"""Site search on haystack's ``SimpleEngine``, finding what patients type.

Oscar's search view asks haystack; the simple engine matches each word against
the product's own text columns only (title, description, UPC, slug), keeps only
the last word of a query, and returns every product, public or not. Patients
search by brand name ("Accutane"), by ingredient and by condition ("acne"); those
words are catalogue data, kept next to the product in its ``search_terms``
attribute (set by the demo catalogue, edited in the dashboard like any other
attribute), never in code.

Oscar's search also filters on ``is_public`` and ``structure``; the simple engine
has no fields, so it pastes those filter values into the query text ("true
['standalone', 'parent'] accutane"). The query class here keeps the words the
customer typed (the ``content`` filter) and the backend applies the catalogue's
browsable rule itself.

This backend matches, case-insensitively, every word of the query against the
title, the description, the UPC, the active ingredient and the search terms, and
returns browsable products only (the catalogue's own rule, as oscar's index).
"""

from __future__ import annotations

from functools import reduce
from operator import and_, or_

from django.db.models import Q
from haystack import connections
from haystack.backends import SearchNode, log_query
from haystack.backends.simple_backend import SimpleEngine, SimpleSearchBackend, SimpleSearchQuery
from haystack.inputs import PythonData
from haystack.models import SearchResult
from haystack.utils import get_model_ct_tuple
from oscar.core.loading import get_model

SEARCH_TERMS_ATTR = ("search_terms", "Search terms (brand names, conditions; not shown to customers)", "text")

#: Attributes whose text a search matches, besides the product's own columns.
SEARCHED_ATTRIBUTES = ("search_terms", "active_ingredient")


def _attribute_contains(code: str, word: str) -> Q:
    ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
    return Q(
        pk__in=ProductAttributeValue.objects.filter(attribute__code=code, value_text__icontains=word).values(
            "product_id"
        )
    )


def product_matches(word: str) -> Q:
    return reduce(
        or_,
        (
            Q(title__icontains=word),
            Q(description__icontains=word),
            Q(upc__iexact=word),
            *(_attribute_contains(code, word) for code in SEARCHED_ATTRIBUTES),
        ),
    )


def search_products(query: str):
    """Browsable products matching every word of ``query`` (see the module docstring)."""
    Product = get_model("catalogue", "Product")
    products = Product.objects.browsable()
    words = query.split()
    if query.strip() == "*":
        return products.order_by("title", "pk")
    if not words:
        return products.none()
    return products.filter(reduce(and_, (product_matches(word) for word in words))).order_by("title", "pk")


class PharmacySearchBackend(SimpleSearchBackend):
    @log_query
    def search(self, query_string, **kwargs):
        result_class = kwargs.get("result_class") or SearchResult
        models = kwargs.get("models") or connections[self.connection_alias].get_unified_index().get_indexed_models()
        Product = get_model("catalogue", "Product")
        results = []
        if query_string and Product in models:
            for match in search_products(str(query_string)):
                app_label, model_name = get_model_ct_tuple(match)
                result = result_class(app_label, model_name, match.pk, 0)
                result._model = match.__class__
                result._object = match
                results.append(result)
        return {"results": results, "hits": len(results)}


class PharmacySearchQuery(SimpleSearchQuery):
    def _build_sub_query(self, search_node):
        words = []
        for child in search_node.children:
            if isinstance(child, SearchNode):
                words.append(self._build_sub_query(child))
                continue
            field, value = child
            if field.split("__")[0] != "content":
                continue  # a field filter (is_public, structure...): the backend applies the catalogue's rule
            if not hasattr(value, "input_type_name"):
                value = PythonData(value)
            words.append(value.prepare(self))
        return " ".join(str(word) for word in words if str(word).strip())


class PharmacySearchEngine(SimpleEngine):
    backend = PharmacySearchBackend
    query = PharmacySearchQuery
