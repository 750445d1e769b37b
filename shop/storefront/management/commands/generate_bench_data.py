"""``manage.py generate_bench_data --scale full|tenth``: the benchmarks' data (bench/README.md).

A thin wrapper around ``bench/generate.py`` (run from a checkout: the ``bench``
package is not part of an installed shop). Only ever fills a PostgreSQL
database whose name contains "bench".
"""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Fill the PostgreSQL database named by DATABASE_URL (its name must contain 'bench') with a shop at "
        "scale for the benchmarks: products, customers, prescriptions in every state, orders, audit rows."
    )

    def add_arguments(self, parser):
        from bench import generate

        generate.add_arguments(parser)

    def create_parser(self, prog_name, subcommand, **kwargs):
        try:
            import bench.generate  # noqa: F401
        except ImportError as exc:  # an installed shop without the checkout's bench/
            raise CommandError("bench/ is not importable: run this from a checkout of rxshop") from exc
        return super().create_parser(prog_name, subcommand, **kwargs)

    def handle(self, *args, scale, seed, skip_migrate, **options):
        from bench import generate

        try:
            generate.run(scale=scale, seed=seed, skip_migrate=skip_migrate)
        except SystemExit as exc:
            if exc.code not in (None, 0):
                raise CommandError(str(exc.code)) from None
