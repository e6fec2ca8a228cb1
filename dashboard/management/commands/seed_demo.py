from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-phonebook-2026"


class Command(BaseCommand):
    help = "Create (or reset) the demo account for local development and print its login."

    def handle(self, *args, **options):
        user, _ = get_user_model().objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={"email": "demo@example.com", "first_name": "Demo"},
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo account ready: username {DEMO_USERNAME!r}, password {DEMO_PASSWORD!r}"
            )
        )
