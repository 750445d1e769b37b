"""Every URL pattern of the project, found by walking the resolver, with its
path parameters filled in from the security ``World`` (Alice's objects)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils.regex_helper import normalize


@dataclass(frozen=True)
class Endpoint:
    route: str  # the pattern as written, parents included ("accounts/orders/<str:order_number>/")
    name: str | None  # "namespace:name", or None for an unnamed pattern
    regex: str  # the full regular expression, parents included
    module: str  # where the view lives

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
            found.append(Endpoint(route=route + str(pattern.pattern), name=name,
                                  regex=regex + _regex_of(pattern), module=module))
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
