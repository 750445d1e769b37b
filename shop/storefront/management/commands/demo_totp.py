"""Print the current second-factor codes of the demo staff accounts."""
import time

from django.core.management.base import BaseCommand
from django_otp.oath import totp

from shop.storefront.demo import DEMO_ACCOUNTS


class Command(BaseCommand):
    help = "Print the current TOTP codes of the demo staff accounts (demo only)."

    def handle(self, *args, **options):
        now = int(time.time())
        remaining = 30 - now % 30
        for account in DEMO_ACCOUNTS:
            if account.totp_key:
                code = totp(bytes.fromhex(account.totp_key), t0=0, step=30, digits=6)
                self.stdout.write(f"{account.email:<26} {code:06d}")
        self.stdout.write(f"(valid for {remaining} more seconds)")
