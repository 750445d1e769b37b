"""Import the FDA NDC Directory (product.txt and package.txt, tab-separated, as the FDA
publishes them) so the fill scan can map every pack's GTIN to its dashed NDC.

    manage.py import_ndc_directory /path/to/ndctext            # a folder holding both files
    manage.py import_ndc_directory --product p.txt --package k.txt --source "FDA NDC 2026-12-01"
    manage.py import_ndc_directory --bundled                   # the demo slice (2019-04-29)
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from prescriptions.dispensing import ndc


class Command(BaseCommand):
    help = "Import an FDA NDC Directory (product.txt + package.txt) for the fill scan."

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", help="Folder holding product.txt and package.txt")
        parser.add_argument("--product", help="product.txt (if not in the folder)")
        parser.add_argument("--package", help="package.txt (if not in the folder)")
        parser.add_argument("--source", help="How the rows name their source (default: the file and today)")
        parser.add_argument("--bundled", action="store_true", help="Load the demo catalogue's bundled slice")

    def handle(self, *args, folder=None, product=None, package=None, source=None, bundled=False, **options):
        if bundled:
            count = ndc.load_bundled()
            self.stdout.write(f"{count} packages from the bundled slice ({ndc.BUNDLED_SOURCE}).")
            return
        base = Path(folder) if folder else None
        product_path = Path(product) if product else (base / "product.txt" if base else None)
        package_path = Path(package) if package else (base / "package.txt" if base else None)
        if product_path is None or package_path is None:
            raise CommandError("Give the folder of the NDC Directory, or --product and --package, or --bundled.")
        for path in (product_path, package_path):
            if not path.is_file():
                raise CommandError(f"{path} is not a file.")
        label = source or f"FDA NDC Directory {product_path.parent.name}, imported {timezone.localdate():%Y-%m-%d}"
        try:
            count = ndc.import_ndc_directory(product_path, package_path, source=label)
        except ndc.NdcDirectoryError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{count} packages imported ({label}).")
