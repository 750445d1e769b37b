"""Every URL pattern of the project, found by walking the resolver, with its
path parameters filled in from the security ``World`` (Alice's objects)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils.regex_helper import normalize


@dataclass(frozen=True)
class Endpoint:
    route: str  # the pattern as written, parents included ("accounts/orders/<str:order_number>/")
    name: str | None  # "namespace:name", or None for an unnamed pattern
    regex: str  # the full regular expression, parents included
    module: str  # where the view lives
    callback: object = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        """How the policy table refers to it: the URL name, or ``route:<route>``."""
        return self.name or f"route:{self.route}"

    @property
    def params(self) -> list[str]:
        return list(re.compile(self.regex).groupindex)


def _regex_of(pattern) -> str:
    regex = pattern.pattern.regex.pattern
    return regex[1:] if regex.startswith("^") else regex


def endpoints(patterns=None, route: str = "", regex: str = "", namespace: str | None = None) -> list[Endpoint]:
    """Every endpoint under ``patterns`` (default: the root URLconf), depth first."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            found += endpoints(pattern.url_patterns, route + str(pattern.pattern), regex + _regex_of(pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            callback = pattern.callback
            module = getattr(callback, "view_class", callback).__module__
            found.append(
                Endpoint(
                    route=route + str(pattern.pattern),
                    name=name,
                    regex=regex + _regex_of(pattern),
                    module=module,
                    callback=callback,
                )
            )
    return found


def build_path(endpoint: Endpoint, values: dict[str, str]) -> str:
    """The path of ``endpoint`` with ``values`` for its parameters; it must resolve back to it."""
    candidates = normalize(endpoint.regex.replace(r"\Z", "").replace("$", ""))
    for template, params in candidates:
        if set(params) <= set(values):
            path = "/" + template % {p: values[p] for p in params}
            try:
                resolve(path)
            except Resolver404:
                continue
            return path
    raise LookupError(f"cannot build a path for {endpoint.key} ({endpoint.route}) from {sorted(values)}")


# --- Path parameters from the security World (tests/security/world.py) ----------------------------


def _admin_object_id(endpoint: Endpoint, world) -> str:
    """An object of the admin page's model: Alice's own if it has an owner, else the first."""
    app_model = endpoint.name.split(":", 1)[1].rsplit("_", 1)[0]  # "prescriptions_prescription"
    for ct in ContentType.objects.all():
        if f"{ct.app_label}_{ct.model}" != app_model:
            continue
        model = ct.model_class()
        manager = model._default_manager
        User = get_user_model()
        if model is User:
            return str(world.alice_pk)
        for owner in ("customer", "user", "owner", "account", "recipient", "prescription__customer"):
            try:
                mine = manager.filter(**{f"{owner}_id" if "__" not in owner else f"{owner}__pk": world.alice_pk})
                obj = mine.order_by("pk").first()
            except Exception:  # noqa: BLE001 - the model has no such field
                continue
            if obj is not None:
                return str(obj.pk)
        first = manager.order_by("pk").first()
        return str(first.pk) if first else "1"
    return "1"


def values_for(endpoint: Endpoint, world) -> dict[str, str]:
    """Path parameters from Alice's objects; a generic fallback for admin/dashboard ids."""
    name = endpoint.name or ""
    params = endpoint.params
    from oscar.core.loading import get_model

    order = get_model("order", "Order").objects.get(number=world.order_number)
    category = get_model("catalogue", "Category").objects.order_by("pk").first()
    by_name = {
        "product_pk": world.product_pk,
        "product_slug": world.product_slug,
        "order_number": world.order_number,
        "number": world.order_number,
        "line_id": world.order_line_id,
        "email_id": world.email_pk,
        "hash": order.verification_hash(),
        "action": "default_for_shipping",
        "to_key": world.wishlist_key,
        "uidb64": "MQ",
        "token": "set-password",
        "path": "nothing.txt",
        "category_slug": category.slug if category else "medicines",
        "product_class_slug": "prescription-medicine",
        "slug": "none",
        "user_pk": world.alice_pk,
        "partner_pk": 1,
        "method_pk": 1,
        "note_id": 1,
        "parent_pk": 1,
        "parent": 1,
        "content_type_id": ContentType.objects.get_for_model(get_user_model()).pk,
        "id": world.alice_pk,
        "app_label": "prescriptions",
        "parent_id": category.pk if category else 1,
        "url": "nothing/",
    }
    if name.startswith("catalogue:reviews-"):
        by_name["product_pk"] = world.otc_product_pk  # reviews exist for OTC products only
    values = {p: str(v) for p, v in by_name.items() if p in params}
    if "public_id" in params:
        values["public_id"] = world.file_public_id if name == "prescriptions:file" else world.prescription_public_id
    if "line_pk" in params:
        values["line_pk"] = str(
            world.wishlist_line_pk if name.startswith("customer:wishlists") else world.basket_line_id
        )
    if "key" in params:
        values["key"] = world.wishlist_key if "wishlist" in name else (world.alert_key or "no-such-key")
    if "object_id" in params:
        values["object_id"] = _admin_object_id(endpoint, world) if name.startswith("admin:") else str(world.alice_pk)
        if name == "admin:view_on_site":
            values["object_id"] = str(world.alice_pk)
    if "pk" in params:
        values["pk"] = str(
            {
                "catalogue:detail": world.product_pk,
                "catalogue:category": category.pk if category else 1,
                "customer:address-detail": world.address_pk,
                "customer:address-delete": world.address_pk,
                "customer:address-change-status": world.address_pk,
                "checkout:user-address-update": world.address_pk,
                "checkout:user-address-delete": world.address_pk,
                "customer:notifications-detail": world.notification_pk,
                "customer:alerts-cancel-by-pk": world.alert_pk,
                "basket:add": world.otc_product_pk,
                "customer:alert-create": world.otc_product_pk,
                "dashboard:user-detail": world.alice_pk,
                "dashboard:user-password-reset": world.alice_pk,
                "dashboard:catalogue-product": world.product_pk,
            }.get(name, 1)
        )
        if name.startswith("admin:"):
            # A real object of the page's model: ids are not 1 on a database where earlier
            # tests have created rows (PostgreSQL sequences are not reset between tests).
            values["pk"] = _admin_object_id(endpoint, world)
    missing = [p for p in params if p not in values]
    if missing:
        raise LookupError(f"{endpoint.key}: no value for {missing}; teach values_for() about it")
    return values


def path_for(endpoint: Endpoint, world) -> str:
    return build_path(endpoint, values_for(endpoint, world))


def paths_for(world, todo: list[Endpoint] | None = None) -> dict[Endpoint, str]:
    """Every endpoint's path, filled in once for a sweep: the sweeps ask as each role in turn,
    each request rolled back, so the answer is the same for every role (filling in the ~700
    paths costs some 3 s of queries: once per role was a fifth of a sweep)."""
    return {endpoint: path_for(endpoint, world) for endpoint in (endpoints() if todo is None else todo)}
