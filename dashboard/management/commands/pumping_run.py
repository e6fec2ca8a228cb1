"""Play an SMS-pumping attack against the abuse and cost controls, on a throwaway database.

    DEBUG=true .venv/bin/python manage.py pumping_run                 (SQLite)
    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python \\
        manage.py pumping_run --accounts 50 --numbers 10

Everything comes from one client IP address, through the real views:

1. Sign up `--accounts` accounts at /accounts/signup/. Every account opened adds
   `--numbers` numbers (US, CA and GB mobiles, a different one each time), each add
   asking for a code; it then verifies the numbers whose code arrived (an attacker who
   rents the numbers reads them) and sends a test message to each.
2. `--accounts` more accounts, made directly (as if signed up from many addresses), each
   with one verified number, do the same from that IP: add numbers up to `--numbers`,
   send a test.

Nothing leaves the machine: the locmem sender keeps the SMS, the immediate task backend
sends them on commit. Prints the figures and checks that what was handed to the sender
stays within every budget (sms/budgets.py) and sign-up limit; exits non-zero otherwise.
"""

import html
import logging
import re
import time
from collections import Counter
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Q, Sum
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from phones.models import PhoneNumber
from sms import budgets
from sms.models import BudgetTrip, Message
from sms.senders.locmem import LocmemSender

LOCMEM_SENDER = "sms.senders.locmem.LocmemSender"
CLIENT_IP = "203.0.113.66"  # TEST-NET-3: documentation only
REGIONS = ("US", "CA", "GB")
HTMX = {"HX-Request": "true"}

# What the controls tell a refused person, by reason (docs/security.md). Anything else a
# refused request shows is counted as undocumented.
DOCUMENTED_REFUSALS = [
    *((budget.refusal, f"budget {budget.key}") for budget in budgets.BUDGETS.values()),
    ("We cannot send a code to this number right now.", "number busy (other accounts)"),
    ("A code was just sent.", "resend cooldown"),
    ("codes for this number in the last hour.", "codes per number per hour"),
    ("codes in the last 24 hours.", "codes per account per day"),
    ("You have reached the test-message limit.", "test-message quota"),
    ("You have entered too many wrong codes", "wrong codes per day"),
    ("You can have at most", "numbers per account"),
]
NOT_SHOWN = "(refused, but no message was shown)"

NOTICE = re.compile(r'<p class="notice( notice-error)?" role="(?:alert|status)">(.*?)</p>', re.S)
ALERTS = re.compile(
    r'<div class="alert alert-error" role="alert">(.*?)</div>'
    r'|<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>',
    re.S,
)


def pumped_number(index):
    """The index-th number of the run: valid mobile (or fixed-or-mobile) numbers that
    phonenumbers accepts, in turn from the US, Canada and the UK."""
    region, serial = REGIONS[index % 3], index // 3
    if region == "US":
        return region, f"+1201555{serial:04d}"  # New Jersey, 555 exchange
    if region == "CA":
        return region, f"+1204555{serial:04d}"  # Manitoba, 555 exchange
    return region, f"+447400{900000 + serial:06d}"  # UK mobile range


def text_of(fragment):
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split()


def shown_refusals(response):
    """The error texts a refused request shows (alerts, form errors, a row's error notice)."""
    page = response.content.decode()
    texts = [" ".join(text_of(a or b)) for a, b in ALERTS.findall(page)]
    texts += [" ".join(text_of(body)) for error, body in NOTICE.findall(page) if error]
    return [text for text in texts if text]


def reason_of(text):
    for phrase, reason in DOCUMENTED_REFUSALS:
        if phrase in text:
            return reason
    return None


class Run:
    """The scenario's requests and what each answered."""

    def __init__(self, client_ip):
        self.client_ip = client_ip
        self.figures = Counter()
        self.refusals = Counter()  # documented reason -> times a client was shown it
        self.undocumented = []  # refusal texts no documented message explains
        self.server_errors = []

    def client(self, user=None):
        client = Client(REMOTE_ADDR=self.client_ip, raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        return client

    def post(self, client, url, data=None, **extra):
        response = client.post(url, data or {}, **extra)
        if response.status_code >= 500:
            exc_info = getattr(response, "exc_info", None)
            self.server_errors.append(f"{url}: {exc_info[1]!r}" if exc_info else url)
        return response

    def refused(self, response):
        texts = shown_refusals(response) or [NOT_SHOWN]
        for text in texts:
            if reason := reason_of(text):
                self.refusals[reason] += 1
            else:
                self.undocumented.append(text)

    def sign_up(self, n):
        client = self.client()
        self.figures["sign-ups tried"] += 1
        password = f"pumping run {n} passphrase"
        response = self.post(
            client,
            reverse("signup"),
            {
                "username": f"pump{n}",
                "email": f"pump{n}@example.com",
                "first_name": "Pump",
                "password1": password,
                "password2": password,
            },
        )
        if response.status_code == 302:
            self.figures["accounts opened"] += 1
            return client, get_user_model().objects.get(username=f"pump{n}")
        if response.status_code < 500:
            self.refused(response)
        return None, None

    def add_number(self, client, index):
        region, number = pumped_number(index)
        self.figures["code requests"] += 1
        response = self.post(
            client,
            reverse("phones:add"),
            {"region": region, "number": number, "label": ""},
            headers=HTMX,
        )
        if response.status_code >= 500:
            return
        found = NOTICE.search(response.content.decode())
        if found and not found[1]:
            self.figures["codes queued"] += 1
        else:
            self.refused(response)

    def verify_arrived_codes(self, client, user, outbox_start):
        """Type the code of every pending number whose SMS reached the (locmem) phone."""
        codes = {}
        for sms in LocmemSender.outbox[outbox_start:]:
            if found := re.search(r"code is (\d{6})\.", sms.body):
                codes[sms.to] = found[1]
        for phone in user.phone_numbers.pending():
            if code := codes.get(phone.number.as_e164):
                url = reverse("phones:verify", args=[phone.pk])
                self.post(client, url, {"code": code}, headers=HTMX)
                self.figures["numbers verified"] += 1

    def send_tests(self, client, user):
        for phone in user.phone_numbers.verified():
            self.figures["test requests"] += 1
            response = self.post(
                client,
                reverse("smstest:send"),
                {"phone": phone.pk, "template": "custom", "body": "Pumping run test"},
            )
            if response.status_code == 302:
                self.figures["tests queued"] += 1
            elif response.status_code < 500:
                self.refused(response)


def run_scenario(accounts=50, numbers=10, client_ip=CLIENT_IP):
    """Play the attack on the current database; returns its figures (a dict).

    Needs the locmem sender (nothing may really be texted) and a task backend that sends on
    commit. The budgets count the last hour: run it on an empty database.
    """
    if settings.SMS_SENDER != LOCMEM_SENDER:
        raise CommandError(f"pumping_run texts only through {LOCMEM_SENDER}")
    started, outbox_start = time.perf_counter(), len(LocmemSender.outbox)
    since = timezone.now()
    run = Run(client_ip)
    index = 0

    # Phase 1: sign-ups from the one IP, then numbers, codes and tests on each account.
    for n in range(accounts):
        client, user = run.sign_up(n)
        if user is None:
            continue
        for _ in range(numbers):
            run.add_number(client, index)
            index += 1
        run.verify_arrived_codes(client, user, outbox_start)
        run.send_tests(client, user)

    # Phase 2: accounts opened elsewhere, each with a number verified earlier, all asking
    # from the same IP.
    now = timezone.now()
    for n in range(accounts):
        user = get_user_model().objects.create_user(f"direct{n}", f"direct{n}@example.com")
        _region, number = pumped_number(index)
        index += 1
        PhoneNumber.objects.create(user=user, number=number, verified_at=now, is_primary=True)
        client = run.client(user)
        for _ in range(numbers - 1):  # the verified one and these: `numbers` in all
            run.add_number(client, index)
            index += 1
        run.send_tests(client, user)

    return figures(run, since, outbox_start, started)


def figures(run, since, outbox_start, started):
    handed_over = Message.objects.handed_over().filter(created_at__gte=since)
    totals = handed_over.aggregate(
        messages=Count("pk"),
        segments=Sum("segments", default=0),
        codes=Count("pk", filter=Q(purpose=Message.Purpose.VERIFICATION)),
        tests=Count("pk", filter=Q(purpose=Message.Purpose.TEST)),
    )
    by_ip = handed_over.filter(client_ip__isnull=False).values("client_ip")
    by_ip = by_ip.annotate(
        messages=Count("pk"),
        codes=Count("pk", filter=Q(purpose=Message.Purpose.VERIFICATION)),
    )
    by_country = dict(
        handed_over.values_list("country").annotate(segments=Sum("segments")).order_by("country")
    )
    trips = BudgetTrip.objects.filter(created_at__gte=since).values_list("budget")
    trips = dict(trips.annotate(n=Count("pk")).order_by("budget"))
    result = {
        **{key: run.figures[key] for key in FIGURE_ORDER},
        "sms handed to the sender": len(LocmemSender.outbox) - outbox_start,
        "messages counted by the budgets": totals["messages"],
        "codes sent": totals["codes"],
        "tests sent": totals["tests"],
        "segments": totals["segments"],
        "segments by country": by_country,
        "refusals shown, by reason": dict(run.refusals.most_common()),
        "budget trips recorded": trips,
        "undocumented refusals": run.undocumented,
        "server errors": run.server_errors,
        "elapsed seconds": round(time.perf_counter() - started, 2),
    }
    result["violations"] = violations(result, by_ip)
    return result


FIGURE_ORDER = [
    "sign-ups tried",
    "accounts opened",
    "code requests",
    "codes queued",
    "numbers verified",
    "test requests",
    "tests queued",
]


def violations(result, by_ip):
    """What went past a budget or limit, or broke; empty when the controls held."""
    found = []

    def over(what, value, setting):
        limit = getattr(settings, setting)
        if value > limit:
            found.append(f"{what}: {value} > {setting} = {limit}")

    over("accounts opened from one IP", result["accounts opened"], "SIGNUPS_PER_IP_PER_HOUR")
    over("segments", result["segments"], "SMS_BUDGET_SEGMENTS_PER_HOUR")
    for country, segments in result["segments by country"].items():
        over(f"segments to {country}", segments, "SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR")
    for row in by_ip:
        over(f"SMS asked from {row['client_ip']}", row["messages"], "SMS_BUDGET_PER_IP_PER_HOUR")
        over(f"codes asked from {row['client_ip']}", row["codes"], "CODE_REQUESTS_PER_IP_PER_HOUR")
    if result["sms handed to the sender"] != result["messages counted by the budgets"]:
        found.append(
            f"{result['sms handed to the sender']} SMS handed to the sender, but the budgets "
            f"count {result['messages counted by the budgets']}"
        )
    if result["server errors"]:
        found.append(f"{len(result['server errors'])} server errors")
    return found


def limits_line():
    names = [
        "SIGNUPS_PER_IP_PER_HOUR",
        "CODE_REQUESTS_PER_IP_PER_HOUR",
        "SMS_BUDGET_PER_IP_PER_HOUR",
        "SMS_BUDGET_SEGMENTS_PER_HOUR",
        "SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR",
    ]
    return ", ".join(f"{name} = {getattr(settings, name)}" for name in names)


class Dropped(logging.Filter):
    """Counts the records of a logger and keeps them off the console."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def filter(self, record):
        self.count += 1
        return False


@contextmanager
def quiet_logs():
    """Every refused send logs a budget trip at ERROR (sms.models, StaffAlert.send_once):
    count those instead of printing hundreds; keep the INFO chatter of sign-ins and tasks
    off the console. Yields the counter of ERROR records dropped."""
    dropped = Dropped()
    budget_logger = logging.getLogger("sms.models")
    chatty = [logging.getLogger(name) for name in ("axes", "django_tasks")]
    levels = [logger.level for logger in chatty]
    budget_logger.addFilter(dropped)
    for logger in chatty:
        logger.setLevel(logging.WARNING)
    try:
        yield dropped
    finally:
        budget_logger.removeFilter(dropped)
        for logger, level in zip(chatty, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=50)
        parser.add_argument("--numbers", type=int, default=10)

    def handle(self, *args, accounts, numbers, **options):
        test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            with override_settings(
                DEBUG=False,  # what production answers: error pages, not tracebacks
                ALLOWED_HOSTS=["testserver"],
                SECURE_SSL_REDIRECT=False,
                SESSION_COOKIE_SECURE=False,
                CSRF_COOKIE_SECURE=False,
                TRUSTED_PROXY_COUNT=0,  # the test client connects directly
                SMS_SENDER=LOCMEM_SENDER,
                TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            ):
                self.stdout.write(
                    f"SMS-pumping run: {accounts} sign-ups then {accounts} ready-made accounts, "
                    f"{numbers} numbers each, all from {CLIENT_IP}; database: "
                    f"{connection.vendor}\n{limits_line()}\n"
                )
                with quiet_logs() as dropped:
                    result = run_scenario(accounts, numbers)
                result["ERROR log records of budget trips"] = dropped.count
        finally:
            connection.creation.destroy_test_db(test_db, verbosity=0)
        self.stdout.write("| figure | value |\n| --- | ---: |")
        for key, value in result.items():
            if key == "violations":
                continue
            if isinstance(value, dict):
                value = ", ".join(f"{k or '-'}: {v}" for k, v in value.items()) or "none"
            elif isinstance(value, list):
                value = len(value)
            self.stdout.write(f"| {key} | {value} |")
        for text in sorted(set(result["undocumented refusals"])):
            self.stdout.write(f"undocumented refusal: {text}")
        for error in result["server errors"]:
            self.stdout.write(f"server error: {error}")
        if result["violations"]:
            raise CommandError("Budgets passed: " + "; ".join(result["violations"]))
        self.stdout.write(self.style.SUCCESS("Every budget and limit held."))
