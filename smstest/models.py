"""Test messages are `sms.Message` rows with purpose TEST; this app keeps their templates
and the rules for sending them (quotas)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.timesince import timeuntil

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


def quota_wait(user, phone_number, now=None):
    """Seconds until `user` may send another test to `phone_number` (0: now).

    The limits (settings SMS_TESTS_PER_*) count the tests handed to the pipeline, from the
    database; a send that surely sent nothing counts for none.
    """
    counted = Message.objects.tests().handed_over()
    ten_minutes, day = timedelta(minutes=10), timedelta(days=1)
    return max(
        counted.filter(user=user).wait_seconds(
            settings.SMS_TESTS_PER_USER_PER_10_MINUTES, ten_minutes, now
        ),
        counted.filter(user=user).wait_seconds(settings.SMS_TESTS_PER_USER_PER_DAY, day, now),
        counted.filter(to_number=phone_number).wait_seconds(
            settings.SMS_TESTS_PER_NUMBER_PER_10_MINUTES, ten_minutes, now
        ),
    )


def quota_refusal(user, phone_number):
    """The message for a user over a test-message quota, or None."""
    wait = quota_wait(user, phone_number)
    if not wait:
        return None
    next_at = timezone.localtime(timezone.now() + timedelta(seconds=wait))
    return (
        "You have reached the test-message limit. The next test is allowed at "
        f"{next_at:%H:%M} (in {timeuntil(next_at)})."
    )
