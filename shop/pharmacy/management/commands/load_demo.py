from django.core.management.base import BaseCommand

from shop.pharmacy.demo import DEMO_ACCOUNTS, load_demo


class Command(BaseCommand):
    help = "Load the demo catalogue, stock, licences and demo accounts (safe to run again)."

    def handle(self, *args, **options):
        load_demo()
        self.stdout.write(self.style.SUCCESS("Demo shop loaded. Logins (e-mail / password):"))
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.role:<20} {account.email:<26} {account.password}")
