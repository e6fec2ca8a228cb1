"""Measure the pages and endpoints users and Twilio hit most, on a throwaway database.

    make bench          (SQLite)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test make bench

Prints, per endpoint, the median and 95th-percentile server time over N requests and the
number of SQL queries one request makes, for an account with many numbers and messages.
"""

import statistics
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from phones.models import PhoneNumber
from sms.models import Message, Status

AUTH_TOKEN = "benchmark-auth-token"


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=200)
        parser.add_argument("--phones", type=int, default=10)
        parser.add_argument("--messages", type=int, default=500)

    def handle(self, *args, requests, phones, messages, **options):
        test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            with override_settings(
                DEBUG=False,  # time what production runs: no query log, no debug pages
                ALLOWED_HOSTS=["testserver"],
                SECURE_SSL_REDIRECT=False,
                TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                SMS_SENDER="sms.senders.locmem.LocmemSender",
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            ):
                self.run(requests, phones, messages)
        finally:
            connection.creation.destroy_test_db(test_db, verbosity=0)

    def run(self, requests, phones, messages):
        user, message = seed(phones, messages)
        client = Client()
        client.force_login(user)
        htmx = {"HTTP_HX_REQUEST": "true"}
        webhook_url = reverse("sms:twilio_status")
        fields = {"MessageSid": message.twilio_sid, "MessageStatus": "sent"}
        signature = RequestValidator(AUTH_TOKEN).compute_signature(
            settings.PUBLIC_BASE_URL + webhook_url, fields
        )

        def get(url, **headers):
            return lambda: client.get(url, **headers)

        cases = [
            ("Dashboard home (full page)", get(reverse("dashboard:home"))),
            ("Phone widget refresh (HTMX)", get(reverse("dashboard:phone_widget"), **htmx)),
            ("Phone management page", get(reverse("phones:manage"))),
            (
                "Status poll of one message (HTMX)",
                get(reverse("smstest:message", args=[message.pk]), **htmx),
            ),
            ("SMS history, first page", get(reverse("smstest:history"))),
            (
                "Twilio status webhook (signed)",
                lambda: client.post(webhook_url, fields, HTTP_X_TWILIO_SIGNATURE=signature),
            ),
        ]
        self.stdout.write(
            f"{phones} numbers, {messages} test messages; {requests} requests per endpoint; "
            f"database: {connection.vendor}\n"
        )
        self.stdout.write(
            "| endpoint | median ms | p95 ms | queries |\n| --- | ---: | ---: | ---: |"
        )
        for name, call in cases:
            timings, queries = measure(call, requests)
            self.stdout.write(
                f"| {name} | {statistics.median(timings):.1f} | "
                f"{statistics.quantiles(timings, n=20)[-1]:.1f} | {queries} |"
            )


def measure(call, requests):
    response = call()  # warm caches (templates, sessions) before timing
    assert response.status_code < 400, response.status_code
    with CaptureQueriesContext(connection) as queries:
        call()
    query_count = len(queries)  # read now: each later request clears the query log
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    return timings, query_count


def seed(phones, messages):
    user = get_user_model().objects.create_user("bench", "bench@example.com", "x")
    now = timezone.now()
    numbers = [
        PhoneNumber.objects.create(
            user=user,
            number=f"+1415555{n:04d}",
            verified_at=now if n % 2 == 0 else None,
            is_primary=n == 0,
        )
        for n in range(phones)
    ]
    verified = [phone for phone in numbers if phone.verified_at]
    statuses = [
        Status.DELIVERED,
        Status.DELIVERED,
        Status.DELIVERED,
        Status.UNDELIVERED,
        Status.SENT,
    ]
    Message.objects.bulk_create(
        Message(
            user=user,
            purpose=Message.Purpose.TEST,
            to_number=verified[n % len(verified)].number,
            body=f"Benchmark message {n}",
            encoding="GSM-7",
            segments=1,
            status=statuses[n % len(statuses)],
            twilio_sid=f"SM{n:032x}",
            created_at=now - timedelta(minutes=n),
            delivered_at=now - timedelta(minutes=n) + timedelta(seconds=3)
            if statuses[n % len(statuses)] == Status.DELIVERED
            else None,
            error_code=30003 if statuses[n % len(statuses)] == Status.UNDELIVERED else None,
        )
        for n in range(messages)
    )
    latest = Message.objects.order_by("-created_at").first()
    return user, latest
