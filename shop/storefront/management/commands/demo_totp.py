"""Print the current second-factor codes of the demo staff accounts."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from shop.storefront.demo import DEMO_ACCOUNTS


class Command(BaseCommand):
    help = "Print the current TOTP codes of the demo staff accounts (demo only)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            # The demo's TOTP keys are published: on a real pharmacy an account that happens to
            # carry one must not be handed its codes by anyone who can run manage.py.
            raise CommandError(
                "demo_totp refuses to run in production (DJANGO_ENV=production): it prints codes from the "
                "demo's published authenticator keys. Staff use their own authenticator app."
            )
        now = int(time.time())
        remaining = 30 - now % 30
        for account in DEMO_ACCOUNTS:
            if account.totp_key:
                code = totp(bytes.fromhex(account.totp_key), t0=0, step=30, digits=6)
                self.stdout.write(f"{account.email:<26} {code:06d}")
        self.stdout.write(f"(valid for {remaining} more seconds)")
