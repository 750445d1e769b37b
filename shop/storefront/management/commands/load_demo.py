from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from prescriptions.review.demo import DEMO_CUSTOMER, load_demo_review
from shop.storefront.demo import DEMO_ACCOUNTS, load_demo


class Command(BaseCommand):
    help = "Load the demo catalogue, stock, licences and demo accounts (safe to run again)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            # Demo accounts have published passwords and TOTP keys: never on a real pharmacy.
            raise CommandError(
                "load_demo refuses to run in production (DJANGO_ENV=production): it creates staff accounts "
                "whose passwords and authenticator keys are published. Use `manage.py setup_pharmacy`."
            )
        load_demo()
        # Three prescriptions waiting in the pharmacist review queue (created once).
        load_demo_review()
        self.stdout.write(self.style.SUCCESS("Demo shop loaded. Logins (e-mail / password):"))
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.role:<20} {account.email:<26} {account.password}")
        self.stdout.write(f"  {'queue demo customer':<20} {DEMO_CUSTOMER['email']:<26} {DEMO_CUSTOMER['password']}")
        self.stdout.write(
            "Staff enter a 6-digit code after the password: `manage.py demo_totp` prints the current ones."
        )
