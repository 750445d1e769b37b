from django.core.management.base import BaseCommand

from infra.outbox import relay_pending


class Command(BaseCommand):
    help = "Send the Celery tasks recorded in the outbox that the broker has not taken yet."

    def handle(self, *args, **options):
        self.stdout.write(f"sent {relay_pending()} pending message(s)")
