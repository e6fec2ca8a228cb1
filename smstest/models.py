"""Test messages are `sms.Message` rows with purpose TEST; this app keeps their templates
and the rules for sending them (quotas)."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.template.defaultfilters import pluralize
from django.utils import timezone

from sms.models import Message

from . import placeholders


class MessageTemplate(models.Model):
    name = models.CharField(max_length=60)
    body = models.TextField(
        help_text="Placeholders: {site_name}, {first_name}, {number}, {time}. "
        "They are replaced as plain text; nothing else is evaluated."
    )
    is_active = models.BooleanField("active", default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        unknown = placeholders.unknown_placeholders(self.body)
        if unknown:
            names = ", ".join(sorted(unknown))
            raise ValidationError({"body": f"Unknown placeholder(s): {names}."})

    def render(self, *, user, number_display, now=None):
        now = timezone.localtime(now)
        return placeholders.fill(
            self.body,
            {
                "site_name": settings.SITE_NAME,
                "first_name": user.first_name or user.get_username(),
                "number": number_display,
                "time": now.strftime("%H:%M"),
            },
        )


def tests_of(user):
    """The user's test messages, newest first (a QuerySet of sms.Message)."""
    return Message.objects.tests().filter(user=user)


TEN_MINUTES = timedelta(minutes=10)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Quota:
    """One test-message limit as it stands: `used` of `limit` tests in the last `window`
    (a timedelta), and the whole seconds until one more is allowed (0: now).

    `scope` is "number" (tests to the number, from any account) or "user" (the user's
    tests, to any number).
    """

    scope: str
    limit: int
    window: timedelta
    used: int
    wait_seconds: int

    @property
    def left(self):
        return max(self.limit - self.used, 0)

    @property
    def window_text(self):
        """The window as people say it: "10 minutes", "24 hours"."""
        minutes = int(self.window.total_seconds() // 60)
        if minutes % 60:
            return f"{minutes} minute{pluralize(minutes)}"
        return f"{minutes // 60} hour{pluralize(minutes // 60)}"

    @property
    def reached_text(self):
        """The sentence that names this limit once it is reached."""
        tests = f"{self.limit} test{pluralize(self.limit)}"
        if self.scope == "number":
            return f"This number has had {tests} in the last {self.window_text} (the limit)."
        return f"You have sent {tests} in the last {self.window_text} (the limit)."


@dataclass(frozen=True)
class SendingLimits:
    """The test-message limits for one user sending to one number, at `now`."""

    quotas: list
    now: datetime

    @property
    def wait_seconds(self):
        """Seconds until the next test to this number is allowed (0: now)."""
        return max((quota.wait_seconds for quota in self.quotas), default=0)

    @property
    def blocks_every_number(self):
        """Whether one of the user's own limits is reached: no number can be sent a test."""
        return any(quota.scope == "user" and quota.wait_seconds for quota in self.quotas)

    @property
    def next_allowed_at(self):
        """When the next test to this number is allowed, in local time; None: now."""
        if not self.wait_seconds:
            return None
        at = self.now + timedelta(seconds=self.wait_seconds)
        # Shown to the minute: rounded up, so a test at the time shown is allowed.
        if at.second or at.microsecond:
            at = at.replace(second=0, microsecond=0) + timedelta(minutes=1)
        return timezone.localtime(at)

    @property
    def refusal(self):
        """Why no test may go to this number now, naming the limit and when the next may;
        None if one may."""
        if not self.wait_seconds:
            return None
        reached = max(self.quotas, key=lambda quota: quota.wait_seconds)
        next_at = self.next_allowed_at
        return (
            f"You have reached the test-message limit. {reached.reached_text} The next test "
            f"is allowed at {next_at:%H:%M} (in {wait_text(self.wait_seconds)})."
        )


def sending_limits(user, phone_number, now=None):
    """The limits (settings SMS_TESTS_PER_*) for `user` sending a test to `phone_number`:
    a SendingLimits whose quotas are the number's 10-minute limit, then the user's
    10-minute and 24-hour limits, each with the tests left.

    They count the tests handed to the pipeline, from the database; a send that surely sent
    nothing counts for none.
    """
    now = now or timezone.now()
    counted = Message.objects.tests().handed_over()
    to_number, of_user = counted.filter(to_number=phone_number), counted.filter(user=user)
    return SendingLimits(
        quotas=[
            _quota(
                "number", to_number, settings.SMS_TESTS_PER_NUMBER_PER_10_MINUTES, TEN_MINUTES, now
            ),
            _quota("user", of_user, settings.SMS_TESTS_PER_USER_PER_10_MINUTES, TEN_MINUTES, now),
            _quota("user", of_user, settings.SMS_TESTS_PER_USER_PER_DAY, DAY, now),
        ],
        now=now,
    )


def _quota(scope, messages, limit, window, now):
    used = messages.filter(created_at__gt=now - window).count()
    return Quota(scope, limit, window, used, messages.wait_seconds(limit, window, now))


def quota_wait(user, phone_number, now=None):
    """Seconds until `user` may send another test to `phone_number` (0: now)."""
    return sending_limits(user, phone_number, now).wait_seconds


def wait_text(seconds):
    """A wait as a sentence says it: "42 seconds", "7 minutes", "3 hours 5 minutes" (whole
    minutes, rounded up: never sooner than the wait)."""
    if seconds < 60:
        return f"{seconds} second{pluralize(seconds)}"
    hours, minutes = _hours_and_minutes(seconds)
    return _join(
        hours and f"{hours} hour{pluralize(hours)}",
        minutes and f"{minutes} minute{pluralize(minutes)}",
    )


def short_wait(seconds):
    """A wait for a button: "42 s", "9 min", "2 h 5 min" (rounded up like wait_text)."""
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = _hours_and_minutes(seconds)
    return _join(hours and f"{hours} h", minutes and f"{minutes} min")


def _hours_and_minutes(seconds):
    return divmod(math.ceil(seconds / 60), 60)


def _join(*parts):
    return " ".join(part for part in parts if part)
