"""The FDA NDC Directory: importing it, and finding a scanned pack's dashed NDC in it.

The directory is two tab-separated files (``product.txt``, ``package.txt``) published
by the FDA (https://www.fda.gov/drugs/drug-approvals-and-databases/national-drug-code-directory).
rxshop ships a slice for the demo catalogue's drugs (``ndc_data/``, with its provenance);
a pharmacy imports the current files with ``manage.py import_ndc_directory``.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from compliance.core.fill_rules import dashed_candidates, ndc_digits, ndc_is_dashed
from prescriptions.exceptions import NdcDirectoryError

from .models import NdcPackage

BUNDLED = Path(__file__).resolve().parent / "ndc_data"
BUNDLED_SOURCE = "FDA NDC Directory snapshot 2019-04-29 (demo slice)"

_PRODUCT_FIELDS = (
    "PRODUCTID",
    "PRODUCTNDC",
    "PROPRIETARYNAME",
    "NONPROPRIETARYNAME",
    "DOSAGEFORMNAME",
    "LABELERNAME",
    "SUBSTANCENAME",
    "ACTIVE_NUMERATOR_STRENGTH",
    "ACTIVE_INGRED_UNIT",
    "DEASCHEDULE",
)
_PACKAGE_FIELDS = ("PRODUCTID", "NDCPACKAGECODE", "PACKAGEDESCRIPTION", "ENDMARKETINGDATE")


def _rows(text: str, required: tuple[str, ...], name: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    missing = [f for f in required if f not in (reader.fieldnames or [])]
    if missing:
        raise NdcDirectoryError(f"{name} lacks the column(s) {', '.join(missing)}: not an FDA NDC Directory file.")
    return list(reader)


def _read(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # the FDA's files carry a few Latin-1 labeler names


def _date(value: str) -> datetime.date | None:
    value = (value or "").strip()
    if len(value) != 8 or not value.isdigit():
        return None
    return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))


def _strength(numerators: str, units: str) -> str:
    """``"20", "mg/1"`` → ``"20 mg/1"``; several ingredients are joined with ``; ``."""
    pairs = zip((numerators or "").split(";"), (units or "").split(";"), strict=False)
    return "; ".join(f"{n.strip()} {u.strip()}".strip() for n, u in pairs)


def packages_from_files(product_text: str, package_text: str, *, source: str) -> list[NdcPackage]:
    products = {row["PRODUCTID"]: row for row in _rows(product_text, _PRODUCT_FIELDS, "product.txt")}
    found = []
    for row in _rows(package_text, _PACKAGE_FIELDS, "package.txt"):
        product = products.get(row["PRODUCTID"])
        ndc = (row["NDCPACKAGECODE"] or "").strip()
        if product is None or not ndc_is_dashed(ndc):
            continue
        found.append(
            NdcPackage(
                package_ndc=ndc,
                digits=ndc_digits(ndc),
                product_ndc=product["PRODUCTNDC"].strip(),
                proprietary_name=product["PROPRIETARYNAME"].strip()[:255],
                nonproprietary_name=product["NONPROPRIETARYNAME"].strip()[:512],
                substance=product["SUBSTANCENAME"].strip()[:512],
                strength=_strength(product["ACTIVE_NUMERATOR_STRENGTH"], product["ACTIVE_INGRED_UNIT"])[:255],
                dosage_form=product["DOSAGEFORMNAME"].strip()[:255],
                labeler=product["LABELERNAME"].strip()[:255],
                dea_schedule=product["DEASCHEDULE"].strip()[:10],
                description=row["PACKAGEDESCRIPTION"].strip(),
                marketing_ended_on=_date(row["ENDMARKETINGDATE"]),
                source=source[:120],
            )
        )
    return found


_UPDATED = [
    "digits",
    "product_ndc",
    "proprietary_name",
    "nonproprietary_name",
    "substance",
    "strength",
    "dosage_form",
    "labeler",
    "dea_schedule",
    "description",
    "marketing_ended_on",
    "source",
]


def store(packages: Iterable[NdcPackage]) -> int:
    """Insert or replace rows by package NDC; rows the file no longer lists are kept (a pack
    dispensed years ago must still resolve for a recall)."""
    packages = list(packages)
    with transaction.atomic():
        for start in range(0, len(packages), 1000):
            NdcPackage.objects.bulk_create(
                packages[start : start + 1000],
                update_conflicts=True,
                unique_fields=["package_ndc"],
                update_fields=_UPDATED,
            )
    return len(packages)


def import_ndc_directory(product_path: Path, package_path: Path, *, source: str) -> int:
    return store(packages_from_files(_read(product_path), _read(package_path), source=source))


def load_bundled() -> int:
    """The demo catalogue's slice of the 2019-04-29 snapshot (``ndc_data/PROVENANCE.md``)."""
    return import_ndc_directory(BUNDLED / "product.txt", BUNDLED / "package.txt", source=BUNDLED_SOURCE)


def package_for_digits(digits: str) -> NdcPackage | None:
    """The directory's package for 10 NDC digits: the dashed form is whichever of the three
    layouts the directory lists (``dashed_candidates``)."""
    return NdcPackage.objects.filter(package_ndc__in=dashed_candidates(digits)).order_by("package_ndc").first()
