"""One exception convention: every refusal of ours is an ``RxshopError`` with a stable code, in
its package's ``exceptions.py``; what is not a refusal is a broken invariant (``RuntimeError``)
or a private control-flow signal named here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

from infra.errors import RxshopError

PACKAGES = ("shop", "prescriptions", "payments", "infra", "compliance")
# Not refusals: control flow inside one module, parse errors turned into refusals by their caller,
# and the core's invalid-facts ValueErrors (the adapter built bad facts: a programming error).
PRIVATE = {
    "payments.cards.NotATestServer",
    "payments.webhooks.MalformedEvent",
    "payments.localstripe_server.Stopped",
    "prescriptions.pdf_probe.TooComplex",
    "prescriptions.pdf_probe.Unresolvable",
    "prescriptions.clamav.ScannerError",
    "shop.apps.catalogue.views._InvalidPageNumber",
}


def _our_exception_classes():
    found = {}
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            if ".migrations" in info.name or info.name.endswith(("localstripe_server", "pdf_probe", "wsgi")):
                continue
            module = importlib.import_module(info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, BaseException) and cls.__module__.split(".")[0] in PACKAGES:
                    found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


def test_every_exception_of_ours_is_a_refusal_or_an_invariant():
    wrong = sorted(
        name
        for name, cls in _our_exception_classes().items()
        if not issubclass(cls, (RxshopError, RuntimeError))
        and name not in PRIVATE
        and not name.startswith("compliance.core.")
    )
    assert not wrong, f"derive these from infra.errors.RxshopError (a refusal) or RuntimeError (a bug): {wrong}"


def test_refusals_live_in_their_package_exceptions_module():
    misplaced = sorted(
        name
        for name, cls in _our_exception_classes().items()
        if issubclass(cls, RxshopError)
        and cls is not RxshopError
        and not cls.__module__.endswith(".exceptions")
        and not name.startswith("tests.")
    )
    assert not misplaced, f"define refusals in the package's exceptions.py: {misplaced}"


@pytest.mark.parametrize("name", ["prescriptions.exceptions.PrescriptionsError", "payments.exceptions.PaymentProblem"])
def test_each_package_has_one_base_refusal(name):
    module, cls = name.rsplit(".", 1)
    assert issubclass(getattr(importlib.import_module(module), cls), RxshopError)


def test_codes_are_stable_identifiers():
    for name, cls in _our_exception_classes().items():
        if issubclass(cls, RxshopError):
            assert cls.code and cls.code.replace("_", "").isalnum() and cls.code.islower(), name


def test_append_only_is_written_one_way():
    """Events, access logs, rule evaluations and RMA history share one append-only base."""
    from django.apps import apps

    from infra.appendonly import AppendOnlyModel

    expected = {
        "compliance.ComplianceEvaluation",
        "prescriptions.PrescriptionEvent",
        "prescriptions.PrescriptionFileAccess",
        "dispensing.ProgrammeAuthorisationChange",
    }
    append_only = {model._meta.label for model in apps.get_models() if issubclass(model, AppendOnlyModel)}
    assert expected <= append_only, expected - append_only
