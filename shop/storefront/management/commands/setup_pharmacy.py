"""First run of a real pharmacy, after `manage.py migrate`. Safe to run again."""

from __future__ import annotations

import getpass
import os

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from prescriptions.models import PharmacyProfile
from prescriptions.pharmacy import record_pharmacy_profile
from prescriptions.roles import sync_roles
from shop.storefront import setup

# Option → (environment variable, question). The profile's fields, read from the option,
# else the environment, else asked (interactive) or refused (--no-input).
PROFILE_FIELDS = {
    "name": ("RXSHOP_PHARMACY_NAME", "Pharmacy name (as licensed)"),
    "address": ("RXSHOP_PHARMACY_ADDRESS", "Pharmacy address"),
    "phone": ("RXSHOP_PHARMACY_PHONE", "Pharmacy phone (the pharmacist line)"),
    "email": ("RXSHOP_PHARMACY_EMAIL", "Pharmacy e-mail"),
    "pharmacist_in_charge": ("RXSHOP_PHARMACIST_IN_CHARGE", "Pharmacist in charge"),
    "npi": ("RXSHOP_PHARMACY_NPI", "The pharmacy's NPI (10 digits)"),
    "dea_registration": ("RXSHOP_PHARMACY_DEA", "DEA registration (empty if none)"),
    "pharmacist_hours": ("RXSHOP_PHARMACIST_HOURS", "Pharmacist hours (e.g. Mon–Fri 8 am–8 pm Eastern)"),
}
OPTIONAL = {"dea_registration", "pharmacist_hours"}


class Command(BaseCommand):
    help = (
        "Set up a real pharmacy after `migrate`: roles, the site's address (RXSHOP_SITE_URL), the first "
        "administrator and their authenticator, the pharmacy's particulars and state licences. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-input",
            action="store_true",
            dest="no_input",
            help="Ask nothing: take every value from the options and the environment.",
        )
        parser.add_argument(
            "--admin-email",
            default=os.environ.get("RXSHOP_ADMIN_EMAIL", ""),
            help="The first administrator's e-mail (or RXSHOP_ADMIN_EMAIL).",
        )
        parser.add_argument(
            "--admin-password-env",
            metavar="VAR",
            help="Read the administrator's password from this environment variable.",
        )
        parser.add_argument("--totp-code", help="Confirm the authenticator with this code (with --no-input).")
        for field, (variable, question) in PROFILE_FIELDS.items():
            parser.add_argument(f"--{field.replace('_', '-')}", dest=field, help=f"{question} (or {variable}).")
        parser.add_argument(
            "--licence",
            action="append",
            default=[],
            metavar="STATE:KIND:NUMBER:EXPIRES",
            help="A state licence, e.g. NY:resident:031234:2027-12-31 (repeat for each state).",
        )

    def handle(self, *args, **options):
        self.interactive = not options["no_input"]
        roles = sync_roles()
        self.stdout.write(f"Roles: {', '.join(roles)}.")
        profile = self._profile(options)
        site = setup.configure_site(site_url=settings.RXSHOP_SITE_URL, name=profile.name)
        self.stdout.write(f"Site: {site.domain} ({site.name}).")
        setup.configure_catalogue(pharmacy_name=profile.name)
        self.stdout.write("Catalogue: product types, the pharmacy's stock partner, the United States for shipping.")
        for spec in options["licence"]:
            licence = self._valid(setup.record_licence, spec=spec)
            self.stdout.write(f"Licence: {licence}.")
        self._administrator(options)
        self.stdout.write(
            self.style.SUCCESS(
                "The pharmacy is set up. Sign in as the administrator, then add each member of staff and enrol "
                "their authenticator at /dashboard/staff/ (Dashboard → Staff authenticators)."
            )
        )

    # --- The pharmacy's particulars ---------------------------------------------------

    def _profile(self, options) -> PharmacyProfile:
        existing = PharmacyProfile.objects.filter(pk=PharmacyProfile.SINGLETON_ID).first()
        values = {}
        for field, (variable, question) in PROFILE_FIELDS.items():
            value = options.get(field) or os.environ.get(variable, "")
            if not value and existing is not None:
                value = getattr(existing, field)
            if not value and field not in OPTIONAL and self.interactive:
                value = input(f"{question}: ").strip()
            values[field] = value
        missing = [
            f"--{field.replace('_', '-')} ({PROFILE_FIELDS[field][0]})"
            for field, value in values.items()
            if not value and field not in OPTIONAL
        ]
        if missing:
            raise CommandError("The pharmacy's particulars are missing: " + ", ".join(missing) + ".")
        profile = self._valid(record_pharmacy_profile, actor=None, **values)
        self.stdout.write(f"Pharmacy: {profile.name}, NPI {profile.npi}.")
        return profile

    # --- The first administrator and their authenticator ------------------------------

    def _administrator(self, options) -> None:
        User = get_user_model()
        email = options["admin_email"].strip()
        if setup.has_administrator():
            user = User._default_manager.filter(email__iexact=email).first() if email else None
            if user is None or not user.is_superuser or setup.has_confirmed_device(user):
                self.stdout.write("Administrator: one exists already; nobody was created.")
                return
        else:
            if not email and self.interactive:
                email = input("The first administrator's e-mail: ").strip()
            if not email:
                raise CommandError("No administrator exists: give --admin-email (or RXSHOP_ADMIN_EMAIL).")
            user = User._default_manager.filter(email__iexact=email).first()
            if user is not None:
                raise CommandError(
                    f"{email} already has an account that is not an administrator; "
                    "choose another e-mail for the administrator."
                )
            with transaction.atomic():
                user = self._valid(setup.create_administrator, email=email, password=self._password(options))
            self.stdout.write(f"Administrator: {user.email} created.")
        self._enrol(user, options)

    def _password(self, options) -> str:
        variable = options["admin_password_env"]
        if variable:
            password = os.environ.get(variable, "")
            if not password:
                raise CommandError(f"The environment variable {variable} is empty or not set.")
            return password
        if not self.interactive:
            raise CommandError("--no-input needs --admin-password-env VAR for the administrator's password.")
        password = getpass.getpass("Administrator's password: ")
        if password != getpass.getpass("Again: "):
            raise CommandError("The two passwords differ.")
        return password

    def _enrol(self, user, options) -> None:
        enrolment = setup.start_totp_enrolment(user=user)
        self.stdout.write(
            "Scan this with the administrator's authenticator app (or type the key from the otpauth:// address):"
        )
        self.stdout.write(enrolment.otpauth_uri)
        if self.interactive:
            segno.make(enrolment.otpauth_uri, error="m").terminal(out=self.stdout._out, compact=True)
        code = options["totp_code"]
        if not self.interactive:
            if not setup.confirm_totp_enrolment(device=enrolment.device, code=code):
                raise CommandError("That code does not match the authenticator; run again with a current code.")
            self.stdout.write("Authenticator confirmed" + (" with its code." if code else " (--no-input, no code)."))
            return
        for _attempt in range(3):
            code = input("The 6-digit code the app shows now: ").strip()
            if setup.confirm_totp_enrolment(device=enrolment.device, code=code):
                self.stdout.write("Authenticator confirmed.")
                return
            self.stderr.write("That code does not match; wait for the next one and try again.")
        raise CommandError(
            "The authenticator was not confirmed. Run setup_pharmacy again: the same QR code stays valid."
        )

    def _valid(self, function, **kwargs):
        try:
            return function(**kwargs)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
