from django.core.management.base import BaseCommand

from prescriptions.review.demo import DEMO_CUSTOMER, load_demo_review


class Command(BaseCommand):
    help = "Put three demo prescriptions in the pharmacist review queue (safe to run again)."

    def handle(self, *args, **options):
        created = load_demo_review()
        self.stdout.write(
            f"demo prescriptions created: {created} (customer {DEMO_CUSTOMER['email']} / {DEMO_CUSTOMER['password']})"
        )
