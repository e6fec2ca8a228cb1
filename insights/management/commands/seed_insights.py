"""manage.py seed_insights: a data set to measure the staff insights page on.

    manage.py seed_insights --users 10000 --messages 200000      # ~2 minutes on PostgreSQL

Accounts signed up over the last --days days, their first visit to phone management (and
through which link), numbers (some deleted, most verified), the code SMS and their fate, test
messages, phones' event log and the daily request timings, all with bulk_create. The figures
land near the targets, some above, some below. Seeded accounts are named seed-insights-…
and can sign in with no password (it is unusable); --clear removes them (with everything
they own) first. Refuses to run with DEBUG off unless --force.
"""

import math
import random
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from insights import latency
from insights.models import Entry, PhoneManagementVisit
from phones.models import PhoneEvent, PhoneNumber
from sms.models import Message, Status

PREFIX = "seed-insights-"
BATCH = 5000
ENTRIES = [
    (Entry.QUICK_ACTION, 35),
    (Entry.PHONE_WIDGET, 20),
    (Entry.SIDEBAR, 15),
    (Entry.DASHBOARD, 15),
    (Entry.OTHER_PAGE, 10),
    (Entry.DIRECT, 5),
]
COUNTRIES = [("US", 60), ("GB", 25), ("CA", 15)]
# (status, weight, error codes): what becomes of a message handed to Twilio.
FATES = [
    (Status.DELIVERED, 9760, [None]),
    (Status.UNDELIVERED, 100, [30003, 30003, 30005, 30006, 30007]),
    (Status.FAILED, 60, [30006, 30008, 21610, 21408]),
    (Status.UNKNOWN, 30, [None]),
    (Status.SENT, 50, [None]),  # the carrier never reported delivery
]
REFUSED = {21610, 21408}  # Twilio refused the request: no SID
LATENCY_VIEWS = {
    "dashboard:home": (0.045, 0.6),
    "dashboard:phone_widget": (0.02, 0.7),
    "smstest:panel": (0.04, 0.6),
    "smstest:message": (0.012, 0.5),
    "smstest:send": (0.06, 0.6),
    "smstest:history": (0.05, 0.55),
}


def pick(rng, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


@contextmanager
def explicit_timestamps(*models):
    """Let bulk_create store the times we give instead of now (auto_now, auto_now_add)."""
    fields = [
        field
        for model in models
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


class Command(BaseCommand):
    help = "Create accounts, numbers, SMS and timings to measure the staff insights page on."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=1000)
        parser.add_argument("--messages", type=int, default=20000)
        parser.add_argument("--days", type=int, default=120, help="sign-ups spread over")
        parser.add_argument("--seed", type=int, default=1, help="random seed")
        parser.add_argument("--clear", action="store_true", help="remove earlier seeded data")
        parser.add_argument("--force", action="store_true", help="run with DEBUG off too")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("This fills the database with made-up accounts: DEBUG only.")
        users = get_user_model().objects.filter(username__startswith=PREFIX)
        if options["clear"]:
            deleted = users.count()
            with transaction.atomic():
                PhoneEvent.objects.filter(user__in=users).delete()
                Message.objects.filter(user__in=users).delete()
                users.delete()
            self.stdout.write(f"Removed {deleted} seeded accounts.")
        elif users.exists():
            raise CommandError("Seeded accounts exist already; add --clear to replace them.")
        self.rng = random.Random(options["seed"])
        self.now = timezone.now()
        self.days = options["days"]
        with transaction.atomic(), explicit_timestamps(PhoneNumber, PhoneEvent):
            accounts = self.create_users(options["users"])
            visits = self.create_visits(accounts)
            phones = self.create_phones(accounts)
            codes = self.create_codes(phones)
            tests = self.create_tests(phones, max(0, options["messages"] - codes))
            self.create_timings()
        if connection.vendor == "postgresql":
            # Fresh statistics, as autovacuum would gather them later: the planner's row
            # estimates for these tables are otherwise those of empty tables.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            f"Seeded {len(accounts)} accounts, {visits} first visits, {len(phones)} numbers, "
            f"{codes} codes and {tests} test messages over {self.days} days. "
            "Staff see them at /staff/insights/."
        )

    def ago(self, days):
        return self.now - timedelta(days=days)

    def create_users(self, count):
        password = make_password(None)  # unusable: nobody signs in as a seeded account
        User = get_user_model()
        User.objects.bulk_create(
            (
                User(
                    username=f"{PREFIX}{n:06d}",
                    email=f"{PREFIX}{n:06d}@example.com",
                    first_name="Seed",
                    password=password,
                    date_joined=self.ago(self.rng.uniform(0, self.days)),
                )
                for n in range(count)
            ),
            batch_size=BATCH,
        )
        return list(
            User.objects.filter(username__startswith=PREFIX).values_list("pk", "date_joined")
        )

    def create_visits(self, accounts):
        rng, visits = self.rng, []
        for user_id, joined in accounts:
            chance = rng.random()
            if chance < 0.78:
                delay = timedelta(hours=rng.expovariate(1 / 20))
            elif chance < 0.88:
                delay = timedelta(days=rng.uniform(7, 30))
            else:
                continue
            if joined + delay < self.now:
                entry = pick(rng, ENTRIES)
                visits.append(
                    PhoneManagementVisit(user_id=user_id, entry=entry, created_at=joined + delay)
                )
        PhoneManagementVisit.objects.bulk_create(visits, batch_size=BATCH)
        return len(visits)

    def new_number(self, country, taken):
        while True:
            if country == "GB":
                number = f"+447700{self.rng.randrange(10**6):06d}"
            else:
                area = "206" if country == "US" else "416"
                number = f"+1{area}{self.rng.randrange(200, 1000)}{self.rng.randrange(10**4):04d}"
            if number not in taken:
                taken.add(number)
                return number

    def create_phones(self, accounts):
        rng, taken, phones, events = self.rng, set(), [], []
        for user_id, joined in accounts:
            count = 0 if rng.random() < 0.12 else (2 if rng.random() < 0.2 else 1)
            has_primary = False
            for _ in range(count):
                added = joined + timedelta(hours=rng.expovariate(1 / 30))
                if added >= self.now:
                    continue
                country = pick(rng, COUNTRIES)
                verified = added + timedelta(minutes=rng.expovariate(1 / 4))
                if rng.random() > 0.9 or verified >= self.now:
                    verified = None
                phone = PhoneNumber(
                    user_id=user_id,
                    number=self.new_number(country, taken),
                    country=country,
                    verified_at=verified,
                    is_primary=bool(verified) and not has_primary,
                    created_at=added,
                    updated_at=verified or added,
                )
                has_primary = has_primary or phone.is_primary
                phones.append(phone)
        PhoneNumber.objects.bulk_create(phones, batch_size=BATCH)
        phones = list(
            PhoneNumber.objects.filter(user__username__startswith=PREFIX).only(
                "pk", "user_id", "number", "country", "created_at", "verified_at"
            )
        )
        for phone in phones:
            events.append(self.event(phone, PhoneEvent.Kind.ADDED, phone.created_at))
            if phone.verified_at:
                events.append(self.event(phone, PhoneEvent.Kind.VERIFIED, phone.verified_at))
            elif rng.random() < 0.3:
                events.append(
                    self.event(
                        phone,
                        PhoneEvent.Kind.FAILED_ATTEMPT,
                        phone.created_at + timedelta(minutes=3),
                    )
                )
        PhoneEvent.objects.bulk_create(events, batch_size=BATCH)
        return phones

    def event(self, phone, kind, at):
        return PhoneEvent(
            phone_id=phone.pk, user_id=phone.user_id, number=phone.number, kind=kind, created_at=at
        )

    def message(self, purpose, user_id, number, country, at, fate=None):
        rng = self.rng
        status, _, codes = fate or pick(rng, [(f, f[1]) for f in FATES])
        code = rng.choice(codes)
        if at > self.ago(1 / 24) and rng.random() < 0.5:
            status, code = rng.choice([Status.PENDING, Status.QUEUED, Status.SENT]), None
        refused = code in REFUSED
        segments = pick(rng, [(1, 80), (2, 15), (3, 5)])
        return Message(
            user_id=user_id,
            purpose=purpose,
            to_number=number,
            country=country,
            body=f"Seeded {purpose} message",
            encoding="GSM-7",
            segments=segments,
            status=status,
            twilio_sid=None if refused or status == Status.PENDING else f"SM{uuid.uuid4().hex}",
            error_code=code,
            created_at=at,
            submitted_at=at,
            delivered_at=at + timedelta(seconds=rng.lognormvariate(math.log(4), 0.8))
            if status == Status.DELIVERED
            else None,
        )

    def create_codes(self, phones):
        rng, messages, events = self.rng, [], []
        delivered = next(fate for fate in FATES if fate[0] == Status.DELIVERED)
        for phone in phones:
            for n in range(1 if rng.random() < 0.85 else 2):
                at = phone.created_at + timedelta(seconds=20 + 120 * n)
                if phone.verified_at and at > phone.verified_at:
                    break
                # A verified number got its code; the last code before verifying was it.
                fate = delivered if phone.verified_at and rng.random() < 0.98 else None
                messages.append(
                    self.message(
                        "verification", phone.user_id, phone.number, phone.country, at, fate
                    )
                )
                events.append(self.event(phone, PhoneEvent.Kind.CODE_SENT, at))
        Message.objects.bulk_create(messages, batch_size=BATCH)
        PhoneEvent.objects.bulk_create(events, batch_size=BATCH)
        return len(messages)

    def create_tests(self, phones, count):
        rng = self.rng
        verified = [phone for phone in phones if phone.verified_at]
        if not verified or not count:
            return 0
        # Heavier users send more: a weight per number.
        weights = [rng.paretovariate(1.5) for _ in verified]
        made = 0
        while made < count:
            chunk = []
            for phone in rng.choices(verified, weights, k=min(BATCH * 2, count - made)):
                span = (self.now - phone.verified_at).total_seconds()
                # Most first tests come soon after verifying, the rest over the account's life.
                offset = rng.expovariate(1 / 86400 / 3) if rng.random() < 0.3 else span + 1
                if offset > span:
                    offset = rng.uniform(0, span)
                at = phone.verified_at + timedelta(seconds=offset)
                chunk.append(self.message("test", phone.user_id, phone.number, phone.country, at))
            Message.objects.bulk_create(chunk, batch_size=BATCH)
            made += len(chunk)
        return made

    def create_timings(self):
        rng, counts = self.rng, Counter()
        for days_ago in range(self.days):
            day = timezone.localdate(self.ago(days_ago))
            for view, (median, sigma) in LATENCY_VIEWS.items():
                # A slow spell some days: the trend shows a week that missed its target.
                slow = 2.5 if days_ago % 29 < 3 else 1
                for _ in range(rng.randrange(150, 400)):
                    seconds = rng.lognormvariate(math.log(median * slow), sigma)
                    counts[view, day, latency.bucket_ms(seconds)] += 1
        latency.write(counts)
