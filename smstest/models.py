import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timeuntil
from phonenumber_field.modelfields import PhoneNumberField

from . import placeholders, twilio_errors

logger = logging.getLogger(__name__)


class OutboxMessage(models.Model):
    """What the offline sender 'sent', so developers can read codes at /dev/outbox/."""

    class Outcome(models.TextChoices):
        DELIVERED = "delivered", "Delivered"
        UNDELIVERED = "undelivered", "Undelivered (30003)"
        FAILED = "failed", "Failed (30006)"

    to = models.CharField(max_length=32)
    body = models.TextField()
    sid = models.CharField(max_length=34, unique=True)
    # The delivery report the offline sender plays back for this message.
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.DELIVERED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"To {self.to}: {self.body[:40]}"


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


class Status(models.TextChoices):
    # Ours, before Twilio has the message.
    PENDING = "pending", "Waiting to send"
    SUBMITTING = "submitting", "Handing to Twilio"
    # Twilio's, in the order a message moves through them.
    ACCEPTED = "accepted", "Accepted"
    SCHEDULED = "scheduled", "Scheduled"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    UNDELIVERED = "undelivered", "Undelivered"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


# Status only moves forward: a late "sent" after "delivered" is recorded but not applied.
STATUS_RANK = {
    Status.PENDING: 0,
    Status.SUBMITTING: 1,
    Status.ACCEPTED: 2,
    Status.SCHEDULED: 2,
    Status.QUEUED: 3,
    Status.SENDING: 4,
    Status.SENT: 5,
    Status.DELIVERED: 6,
    Status.UNDELIVERED: 6,
    Status.FAILED: 6,
    Status.CANCELED: 6,
}
FINAL_STATUSES = {Status.DELIVERED, Status.UNDELIVERED, Status.FAILED, Status.CANCELED}
RETRYABLE_STATUSES = {Status.UNDELIVERED, Status.FAILED, Status.CANCELED}
# Longer than a send can take (4 requests with their timeouts and at most 3 waits of 30 s).
STUCK_AFTER = timedelta(minutes=5)
# A report can be lost (or arrive before the SID is stored): then ask Twilio, first well
# before a card stops polling, then less often. Some carriers never report delivery: a card
# stops polling after a while.
CHECK_DELIVERY_AFTER = [timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=6)]
WATCH_FOR = timedelta(minutes=10)


class TestMessageQuerySet(models.QuerySet):
    def since(self, moment):
        return self.filter(created_at__gte=moment)

    def with_timeline(self):
        return self.select_related("phone", "template").prefetch_related("status_events")

    def quota_wait(self, user, phone_number, now=None):
        """Seconds until `user` may send another test to `phone_number` (0: now)."""
        now = now or timezone.now()
        limits = [
            (
                self.filter(user=user),
                timedelta(minutes=10),
                settings.SMS_TESTS_PER_USER_PER_10_MINUTES,
            ),
            (self.filter(user=user), timedelta(days=1), settings.SMS_TESTS_PER_USER_PER_DAY),
            (
                self.filter(to_number=phone_number),
                timedelta(minutes=10),
                settings.SMS_TESTS_PER_NUMBER_PER_10_MINUTES,
            ),
        ]
        wait = 0
        for messages, window, limit in limits:
            recent = messages.since(now - window).order_by("-created_at")
            times = list(recent.values_list("created_at", flat=True)[:limit])
            if len(times) >= limit:
                # The oldest of the last `limit` messages leaves the window first.
                wait = max(wait, (times[-1] + window - now).total_seconds())
        return max(0, int(wait + 0.999))

    def quota_refusal(self, user, phone_number):
        """The message for a user over a test-message quota, or None."""
        wait = self.quota_wait(user, phone_number)
        if not wait:
            return None
        next_at = timezone.localtime(timezone.now() + timedelta(seconds=wait))
        return (
            "You have reached the test-message limit. The next test is allowed at "
            f"{next_at:%H:%M} (in {timeuntil(next_at)})."
        )

    def record_status_report(self, fields, at=None):
        """Apply one Twilio status callback (or the offline sender's imitation of one).

        Reports for one message are serialised by a row lock, so concurrent callbacks
        cannot interleave their read-compare-write. Returns the message, or None for an
        unknown SID.
        """
        with transaction.atomic():
            message = self.select_for_update().filter(twilio_sid=fields["MessageSid"]).first()
            if message is None:
                logger.warning("Status report for unknown SID %s", fields["MessageSid"])
                return None
            message.apply_status(
                fields["MessageStatus"],
                error_code=fields.get("ErrorCode") or None,
                error_message=fields.get("ErrorMessage", ""),
                raw=dict(fields),
                at=at,
            )
        return message


class TestMessage(models.Model):
    __test__ = False  # not a pytest test class, whatever its name says

    Status = Status

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sms_tests"
    )
    phone = models.ForeignKey(
        "phones.PhoneNumber",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sms_tests",
    )
    # A copy of the number, so history survives deleting it.
    to_number = PhoneNumberField()
    template = models.ForeignKey(
        MessageTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    encoding = models.CharField(max_length=5)
    segments = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    twilio_sid = models.CharField("Twilio SID", max_length=34, unique=True, null=True, blank=True)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    outcome_unknown = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retries"
    )
    simulate = models.CharField(
        max_length=12,
        choices=OutboxMessage.Outcome.choices,
        blank=True,
        help_text="Offline sender only: the delivery report to play back.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TestMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["to_number", "created_at"]),
        ]

    def __str__(self):
        return f"Test SMS to {self.to_number} ({self.status})"

    def get_absolute_url(self):
        return reverse("smstest:message", args=[self.pk])

    @property
    def is_final(self):
        return self.status in FINAL_STATUSES

    @property
    def can_retry(self):
        return self.status in RETRYABLE_STATUSES

    @property
    def is_watched(self):
        """Whether its card still polls for news: not final, and not waiting in vain."""
        return not self.is_final and self.created_at > timezone.now() - WATCH_FOR

    @property
    def time_to_delivery(self):
        if self.delivered_at:
            return self.delivered_at - self.created_at
        return None

    @property
    def error(self):
        """Why the message failed, in plain words; None while nothing went wrong."""
        if self.status not in RETRYABLE_STATUSES and self.error_code is None:
            return None
        return twilio_errors.explain(self.error_code, self.error_message)

    def apply_status(self, status, *, error_code=None, error_message="", raw=None, at=None):
        """Record a status report and move forward to it; the caller holds the row lock."""
        at = at or timezone.now()
        error_code = int(error_code) if error_code else None
        self.status_events.create(
            status=status, error_code=error_code, raw=raw or {}, created_at=at
        )
        known = status in STATUS_RANK
        if not known or self.is_final or STATUS_RANK[status] <= STATUS_RANK[self.status]:
            return False
        self.status = status
        if status == Status.DELIVERED:
            self.delivered_at = at
        if error_code:
            self.error_code = error_code
            self.error_message = error_message[:300]
        self.save()
        return True

    def record_submission(self, result):
        """Twilio sends no callback for the status it returns at creation: store it now."""
        with transaction.atomic():
            locked = TestMessage.objects.select_for_update().get(pk=self.pk)
            locked.twilio_sid = result.sid
            locked.save(update_fields=["twilio_sid", "updated_at"])
            locked.apply_status(result.status, raw={"MessageSid": result.sid, "source": "create"})
        self.refresh_from_db()

    def fail(self, message, *, code=None, outcome_unknown=False):
        self.status = Status.FAILED
        self.error_code = code
        self.error_message = message[:300]
        self.outcome_unknown = outcome_unknown
        self.save()
        self.status_events.create(status=Status.FAILED, error_code=code, raw={"error": message})

    def claim_for_sending(self):
        """Take the message from PENDING to SUBMITTING; only one worker can ever win."""
        claimed = TestMessage.objects.filter(pk=self.pk, status=Status.PENDING).update(
            status=Status.SUBMITTING,
            attempts=models.F("attempts") + 1,
            submitted_at=timezone.now(),
        )
        if claimed:
            self.refresh_from_db()
        return bool(claimed)

    def give_up_if_stuck(self, now=None):
        """A worker that died after claiming the message left it 'submitting'.

        Twilio may have it, so it is never sent again by itself; after STUCK_AFTER it is
        failed with outcome unknown and the user may retry. Returns True if it was.
        """
        now = now or timezone.now()
        if self.status != Status.SUBMITTING or self.submitted_at > now - STUCK_AFTER:
            return False
        with transaction.atomic():
            locked = TestMessage.objects.select_for_update().get(pk=self.pk)
            if locked.status != Status.SUBMITTING:
                return False
            locked.fail(
                "The sending worker stopped before Twilio answered (outcome unknown).",
                outcome_unknown=True,
            )
        return True

    def retry(self):
        """A new message to the same number with the same text, linked to this one."""
        return TestMessage.objects.create(
            user=self.user,
            phone=self.phone,
            to_number=self.to_number,
            template=self.template,
            body=self.body,
            encoding=self.encoding,
            segments=self.segments,
            retry_of=self,
            simulate=self.simulate,
        )

    def timeline(self):
        """The delivery steps with the time each was first reported (None: not yet)."""
        first_seen = {}
        for event in sorted(self.status_events.all(), key=lambda e: (e.created_at, e.pk)):
            first_seen.setdefault(event.status, event.created_at)
        queued_at = first_seen.get(Status.QUEUED) or first_seen.get(Status.ACCEPTED)
        sent_at = first_seen.get(Status.SENT)
        if self.status in FINAL_STATUSES and self.status != Status.DELIVERED:
            last = (self.get_status_display(), first_seen.get(self.status), "failed")
        else:
            last = ("Delivered", first_seen.get(Status.DELIVERED), "done")
        return [
            ("Queued", queued_at, "done" if queued_at else ""),
            ("Sent", sent_at, "done" if sent_at else ""),
            (last[0], last[1], last[2] if last[1] or self.is_final else ""),
        ]


class MessageStatusEvent(models.Model):
    """Every status report received for a message, applied or not."""

    message = models.ForeignKey(TestMessage, on_delete=models.CASCADE, related_name="status_events")
    status = models.CharField(max_length=20)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.status
