"""Delete prescription records past their retention period (prescriptions/retention.py).

A dry run by default: it reports what would go and deletes nothing. Add
--apply to delete. Run it from cron or Celery beat, e.g. monthly.
"""

from django.core.management.base import BaseCommand

from prescriptions.retention import purge_past_retention, retention_years


class Command(BaseCommand):
    help = "Report (default) or delete (--apply) prescriptions and their records past RXSHOP_RETENTION_YEARS."

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Delete; without it nothing is changed.")

    def handle(self, *args, apply=False, **options):
        report = purge_past_retention(dry_run=not apply)
        verb = "Deleted" if apply else "Would delete"
        self.stdout.write(
            f"Retention: {retention_years()} years; records last active before {report.cutoff:%Y-%m-%d} are past it."
        )
        self.stdout.write(f"{verb} {len(report.prescriptions)} prescriptions: {', '.join(report.prescriptions) or '-'}")
        for label, count in sorted(report.rows.items()):
            self.stdout.write(f"  {label}: {count} rows")
        if report.files:
            self.stdout.write(f"  stored files: {report.files}")
        for label, count in sorted(report.unlinked.items()):
            self.stdout.write(f"  {label}: {count} rows kept, their link to the prescription removed")
        if apply:
            self.stdout.write(
                f"  patients with nothing left on closed accounts: {report.patients}; "
                f"closed accounts deleted: {report.accounts}"
            )
        else:
            self.stdout.write("Dry run: nothing was changed. Run with --apply to delete.")
