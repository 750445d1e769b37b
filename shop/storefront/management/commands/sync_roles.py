from django.core.management.base import BaseCommand

from prescriptions.roles import sync_roles


class Command(BaseCommand):
    help = "Create or update the pharmacy's role groups and their permissions."

    def handle(self, *args, **options):
        for name in sync_roles():
            self.stdout.write(f"role synced: {name}")
