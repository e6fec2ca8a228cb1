"""Budgets: how much the site may text per hour, whoever asks.

Every SMS costs the site owner money, and SMS-pumping fraud makes sign-up and verification
forms text costly numbers. So every send, of any purpose, is counted against:

| budget | setting | counts |
| --- | --- | --- |
| site | SMS_BUDGET_SEGMENTS_PER_HOUR | segments to anyone in the last hour |
| country | SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR | segments to the destination's country |
| client IP | SMS_BUDGET_PER_IP_PER_HOUR | messages asked for from the client's IP |
| code requests | CODE_REQUESTS_PER_IP_PER_HOUR | verification codes asked for from that IP |
| sign-ups | SIGNUPS_PER_IP_PER_HOUR | accounts opened from that IP (dashboard.ClientEvent) |
| password resets | PASSWORD_RESETS_PER_IP_PER_HOUR | reset mails asked for from that IP |

The counts come from the stored messages (`Message.objects.handed_over()`: what may have
cost money), under one advisory lock, so they hold exactly across processes and machines.
A refused send is recorded as a BudgetTrip (staff see them in the spend report) and staff
are mailed at most once per budget per hour.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone

from .locks import lock_key

WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Budget:
    key: str
    setting: str
    title: str  # for staff
    refusal: str  # for the person: says what to do, reveals nobody else's activity

    @property
    def limit(self):
        return getattr(settings, self.setting)


SITE = Budget(
    "site",
    "SMS_BUDGET_SEGMENTS_PER_HOUR",
    "SMS segments per hour for the whole site",
    "We cannot send text messages right now. Please try again in an hour.",
)
COUNTRY = Budget(
    "country",
    "SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR",
    "SMS segments per hour to one country",
    "We cannot send more text messages to this country right now. Please try again in an hour.",
)
CLIENT_IP = Budget(
    "ip",
    "SMS_BUDGET_PER_IP_PER_HOUR",
    "SMS per hour asked for from one IP address",
    "Too many text messages were asked for from your network in the last hour. "
    "Please try again later.",
)
CODE_REQUESTS_PER_IP = Budget(
    "ip-codes",
    "CODE_REQUESTS_PER_IP_PER_HOUR",
    "Verification codes per hour asked for from one IP address",
    "Too many verification codes were asked for from your network in the last hour. "
    "Please try again later.",
)
# Not sends, but what opens the way to them: counted by dashboard.ClientEvent.
SIGNUPS_PER_IP = Budget(
    "ip-signups",
    "SIGNUPS_PER_IP_PER_HOUR",
    "Sign-ups per hour from one IP address",
    "Too many accounts were created from your network in the last hour. Please try again later.",
)
PASSWORD_RESETS_PER_IP = Budget(
    "ip-resets",
    "PASSWORD_RESETS_PER_IP_PER_HOUR",
    "Password-reset requests per hour from one IP address",
    "Too many password resets were asked for from your network in the last hour. "
    "Please try again later.",
)
BUDGETS = {
    budget.key: budget
    for budget in (
        SITE,
        COUNTRY,
        CLIENT_IP,
        CODE_REQUESTS_PER_IP,
        SIGNUPS_PER_IP,
        PASSWORD_RESETS_PER_IP,
    )
}


class BudgetExceeded(Exception):
    """A send was refused by `budget`; `message` is what the person is told."""

    def __init__(self, budget, *, country="", client_ip=None, user=None):
        super().__init__(budget.refusal)
        self.budget = budget
        self.message = budget.refusal
        self.country = country
        self.client_ip = client_ip
        self.user = user

    def record(self):
        """Store the trip and tell staff (once per budget per hour). Call it outside the
        refused transaction: it rolls back, and no mail may go while its locks are held."""
        from .models import BudgetTrip, StaffAlert

        BudgetTrip.objects.create(
            budget=self.budget.key,
            country=self.country,
            client_ip=self.client_ip,
            user=self.user,
        )
        StaffAlert.objects.send_once(
            f"budget-{self.budget.key}",
            f"SMS budget reached: {self.budget.title}",
            f"The budget '{self.budget.title}' ({self.budget.setting} = "
            f"{self.budget.limit}) refused a send"
            + (f" to {self.country}" if self.country else "")
            + (f" asked for from {self.client_ip}" if self.client_ip else "")
            + ". Sends over it are refused until the hour's count falls below it. If this is "
            "real traffic, raise the setting; if not, look for SMS pumping in the admin's "
            "SMS spend report.\nFurther trips of this budget are not mailed for an hour.",
        )


@contextmanager
def trips_recorded():
    """Wrap a transaction that may queue an SMS: a BudgetExceeded raised inside it is
    recorded (and staff told) after it has rolled back, then raised on."""
    try:
        yield
    except BudgetExceeded as trip:
        trip.record()
        raise


def check(messages, *, purpose, segments, country, client_ip, user=None):
    """Raise BudgetExceeded if one more SMS of `segments` segments to `country` (ISO code),
    asked for from `client_ip` (None: not from a web request), would pass a budget.

    `messages` is the Message queryset to count (Message.objects). Must run inside the
    transaction that stores the message: it takes the budgets' lock, which serialises every
    send on the site for the few milliseconds between counting and storing.
    """
    lock_key("sms-budgets")
    recent = messages.handed_over().since(timezone.now() - WINDOW)
    ip = Q(client_ip=client_ip) if client_ip else Q(pk__in=[])
    counts = recent.aggregate(
        site=Sum("segments", default=0),
        country=Sum("segments", default=0, filter=Q(country=country)),
        ip=Count("pk", filter=ip),
        ip_codes=Count("pk", filter=ip & Q(purpose="verification")),
    )
    over = [
        (SITE, counts["site"] + segments),
        (COUNTRY, counts["country"] + segments),
    ]
    if client_ip:
        over.append((CLIENT_IP, counts["ip"] + 1))
        if purpose == "verification":
            over.append((CODE_REQUESTS_PER_IP, counts["ip_codes"] + 1))
    for budget, total in over:
        if total > budget.limit:
            raise BudgetExceeded(budget, country=country, client_ip=client_ip, user=user)
