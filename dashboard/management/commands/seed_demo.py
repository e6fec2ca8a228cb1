from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from phones.models import PhoneEvent, PhoneNumber

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-phonebook-2026"
# 555-01xx numbers are reserved for fiction: nobody real gets these texts.
DEMO_VERIFIED_NUMBER = "+14155550100"
DEMO_PENDING_NUMBER = "+14155550101"


class Command(BaseCommand):
    help = "Create (or reset) the demo account for local development and print its login."

    def handle(self, *args, **options):
        user, _ = get_user_model().objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={"email": "demo@example.com", "first_name": "Demo"},
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        seed_phone_numbers(user)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo account ready: username {DEMO_USERNAME!r}, password {DEMO_PASSWORD!r}"
            )
        )


@transaction.atomic
def seed_phone_numbers(user):
    """One verified primary number and one waiting for its code; re-running changes nothing."""
    # The event log records it all, as if done on the page: the admin shows it, and the
    # dashboard's "Last updated" reads it.
    verified, created = PhoneNumber.objects.get_or_create(
        user=user, number=DEMO_VERIFIED_NUMBER, defaults={"label": "Mobile"}
    )
    if created:
        verified.record(PhoneEvent.Kind.ADDED, detail="demo data")
    taken_elsewhere = (
        PhoneNumber.objects.verified().filter(number=verified.number).exclude(pk=verified.pk)
    )
    if not verified.is_verified and not taken_elsewhere.exists():
        verified.verified_at = timezone.now()
        verified.save()
        verified.record(PhoneEvent.Kind.VERIFIED, detail="demo data")
    if verified.is_verified and not user.phone_numbers.filter(is_primary=True).exists():
        verified.make_primary()
    pending, created = PhoneNumber.objects.get_or_create(
        user=user, number=DEMO_PENDING_NUMBER, defaults={"label": "Work"}
    )
    if created:
        pending.record(PhoneEvent.Kind.ADDED, detail="demo data")
