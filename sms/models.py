"""One outbound SMS and its fate: the message, every status report, and staff alerts.

Everything the product texts (verification codes, test messages) is a `Message`. It is
stored first and handed to the sender by a background task (`sms.tasks.send_message`), so a
web request never waits on Twilio; status callbacks, fetches and the offline sender's
playback then move it forward through `record_status_report`.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import mail_admins
from django.db import IntegrityError, connections, models, transaction
from django.db.models import Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from . import budgets, destinations, metrics, segments, twilio_errors
from .limits import WindowedQuerySet
from .senders import simulates_outcomes

logger = logging.getLogger(__name__)


class Purpose(models.TextChoices):
    VERIFICATION = "verification", "Verification code"
    TEST = "test", "Test message"


class Status(models.TextChoices):
    # Ours, before Twilio has the message.
    PENDING = "pending", "Waiting to send"
    SUBMITTING = "submitting", "Handing to Twilio"
    # Ours: the request reached Twilio (or may have) but no answer came back. Twilio may
    # have the message, so its callbacks can still move it on.
    UNKNOWN = "unknown", "Outcome unknown"
    # Twilio's, in the order a message moves through them
    # (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values).
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
    Status.UNKNOWN: 2,
    Status.ACCEPTED: 3,
    Status.SCHEDULED: 3,
    Status.QUEUED: 4,
    Status.SENDING: 5,
    Status.SENT: 6,
    Status.DELIVERED: 7,
    Status.UNDELIVERED: 7,
    Status.FAILED: 7,
    Status.CANCELED: 7,
}
# Statuses Twilio reports that are not steps of our outbound SMS: "read" (WhatsApp, RCS)
# comes after delivery and proves it; "partially_delivered" is reported for some
# multi-part messages on the way to a final status; "receiving"/"received" belong to
# inbound messages. They are recorded as reports, and "read" counts as "delivered".
REPORTED_AS = {"read": Status.DELIVERED}
FINAL_STATUSES = {Status.DELIVERED, Status.UNDELIVERED, Status.FAILED, Status.CANCELED}
RETRYABLE_STATUSES = {Status.UNDELIVERED, Status.FAILED, Status.CANCELED, Status.UNKNOWN}
# Longer than a send can take: TWILIO_TIMEOUT_SECONDS bounds every call, retries included.
STUCK_AFTER = timedelta(minutes=5)
# A report can be lost (or arrive before the SID is stored): then ask Twilio, first well
# before a card stops polling, then less often. Some carriers never report delivery: a card
# stops polling after a while.
CHECK_DELIVERY_AFTER = [timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=6)]
WATCH_FOR = timedelta(minutes=10)
OUTCOME_UNKNOWN_TEXT = "We could not confirm whether Twilio sent this message."


class MessageQuerySet(WindowedQuerySet):
    def since(self, moment):
        return self.filter(created_at__gte=moment)

    def tests(self):
        return self.filter(purpose=Purpose.TEST)

    def verification_codes(self):
        return self.filter(purpose=Purpose.VERIFICATION)

    def recipients_of(self, user, purpose):
        """The numbers `user`'s messages of `purpose` (a Purpose) went to: E.164 strings,
        in order, each once.

        One query reading one index entry per number, not one per message: a recursive
        "skip scan" over the (user, purpose, to_number) index, each step the smallest number
        after the last. Neither PostgreSQL 15 nor SQLite skips through an index by
        themselves, and DISTINCT would read every message of the account.
        """
        table = connections[self.db].ops.quote_name(self.model._meta.db_table)
        # The table name is our own model's, quoted; the values are parameters.
        sql = f"""
            WITH RECURSIVE recipients(number) AS (
                SELECT MIN(to_number) FROM {table} WHERE user_id = %s AND purpose = %s
                UNION ALL
                SELECT (
                    SELECT MIN(to_number) FROM {table}
                    WHERE user_id = %s AND purpose = %s AND to_number > recipients.number
                )
                FROM recipients WHERE recipients.number IS NOT NULL
            )
            SELECT number FROM recipients WHERE number IS NOT NULL
        """  # noqa: S608
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, [user.pk, purpose] * 2)
            return [number for (number,) in cursor.fetchall()]

    def with_reports(self):
        return self.prefetch_related("status_reports")

    def handed_over(self):
        """Messages that may have cost money: all but those that surely sent nothing.

        Quotas count these, so a send that Twilio refused, or that never left us, gives its
        quota back.
        """
        return self.exclude(status=Status.FAILED, twilio_sid__isnull=True)

    def cancel_pending(self, reason):
        """Fail the messages not yet handed to the sender; the sender never sees them.

        A conditional UPDATE, so it races safely with `Message.claim_for_sending`: each
        message is either claimed or cancelled, never both. Returns how many were.
        """
        return self.filter(status=Status.PENDING).update(
            status=Status.FAILED, error_message=reason[:300], updated_at=timezone.now()
        )

    def record_status_report(self, fields, *, message_id=None, at=None):
        """Apply one status report: a Twilio callback, a fetch, or the offline playback.

        `fields` are Twilio's callback fields (MessageSid, MessageStatus, ErrorCode…),
        already validated. `message_id` is our own `Message.public_id` from the callback
        URL: it finds a message whose SID never reached us (the send timed out), and then
        stores that SID. Reports for one message are serialised by a row lock. Returns the
        message, or None when no message matches.
        """
        sid = fields["MessageSid"]
        with transaction.atomic():
            match = Q(public_id=message_id) if message_id else Q(twilio_sid=sid)
            message = self.select_for_update().filter(match).first()
            if message is None or (message.twilio_sid and message.twilio_sid != sid):
                logger.warning("Status report for unknown message %s (%s)", sid, message_id)
                return None
            if not message.twilio_sid and self.filter(twilio_sid=sid).exists():
                # The SID is another message's: this callback cannot be about this one.
                logger.warning("Status report naming message %s with %s's SID", message_id, sid)
                return None
            if not message.twilio_sid:
                message.twilio_sid = sid
                message.save(update_fields=["twilio_sid", "updated_at"])
            # Monitoring: the webhook counts whether the report moved the status.
            message.report_applied = message.apply_status(
                fields["MessageStatus"],
                error_code=fields.get("ErrorCode") or None,
                error_message=fields.get("ErrorMessage", ""),
                raw=dict(fields),
                at=at,
            )
        return message


class Message(models.Model):
    """One outbound SMS, from the moment it is asked for to its final delivery status."""

    Purpose = Purpose
    Status = Status

    # Opaque, in the status callback URL: callbacks find the message even when its SID
    # never reached us, and the URL reveals nothing about how many messages exist.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sms_messages"
    )
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    to_number = PhoneNumberField("to")
    # The destination's country (ISO 3166, GB for the UK plan), for the per-country budget.
    country = models.CharField(max_length=2, blank=True)
    # Who asked for it, for the per-IP budgets; None when no web request did.
    client_ip = models.GenericIPAddressField("client IP", null=True, blank=True)
    body = models.TextField()
    encoding = models.CharField(max_length=5)
    segments = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    twilio_sid = models.CharField("Twilio SID", max_length=34, unique=True, null=True, blank=True)
    # The number or Messaging Service it went out from, as Twilio reported it.
    sender = models.CharField(max_length=34, blank=True)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retries"
    )
    simulate = models.CharField(
        max_length=16,
        blank=True,
        help_text="Offline sender only: the delivery report to play back.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # A user's messages newest first (history pages, the latest test) read in index
            # order; the 30-day figures and the number filter read only the index
            # (PostgreSQL; SQLite ignores `include`).
            models.Index(
                fields=["user", "purpose", "-created_at", "-id"],
                include=["status", "delivered_at", "to_number"],
                name="sms_message_user_newest_idx",
            ),
            models.Index(fields=["to_number", "purpose", "created_at"]),
            # The numbers an account has texted, one index entry each (recipients_of).
            models.Index(fields=["user", "purpose", "to_number"], name="sms_message_recipient_idx"),
            models.Index(fields=["country", "created_at"]),
            models.Index(fields=["client_ip", "created_at"]),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} to {self.to_number} ({self.status})"

    @classmethod
    def queue(cls, *, user, purpose, to_number, body, client_ip=None, **fields):
        """Store a message and have a worker send it once the transaction commits.

        `body` is measured here (encoding, segments). Raises budgets.BudgetExceeded when a
        budget (sms/budgets.py) would be passed; wrap the caller's transaction in
        `budgets.trips_recorded()`. Returns the saved Message.
        """
        info = segments.analyse(body)
        region = destinations.numbering_region(to_number)
        country = region if len(region or "") == 2 else ""
        budgets.check(
            cls.objects,
            purpose=purpose,
            segments=info.segments,
            country=country,
            client_ip=client_ip,
            user=user,
        )
        message = cls.objects.create(
            user=user,
            purpose=purpose,
            to_number=to_number,
            country=country,
            client_ip=client_ip,
            body=body,
            encoding=info.encoding,
            segments=info.segments,
            **fields,
        )
        message.send_later()
        return message

    def send_later(self):
        from .tasks import send_message  # the tasks module imports this one

        transaction.on_commit(lambda: send_message.enqueue(self.pk))

    @property
    def is_final(self):
        return self.status in FINAL_STATUSES

    @property
    def outcome_unknown(self):
        return self.status == Status.UNKNOWN

    @property
    def can_retry(self):
        return self.status in RETRYABLE_STATUSES

    @property
    def is_watched(self):
        """Whether a page still polls it for news: not final, and not waiting in vain."""
        return not self.is_final and self.created_at > timezone.now() - WATCH_FOR

    @property
    def is_stuck(self):
        """Claimed by a worker that has not finished within STUCK_AFTER: it likely died
        mid-send (see give_up_if_stuck)."""
        return (
            self.status == Status.SUBMITTING and self.submitted_at <= timezone.now() - STUCK_AFTER
        )

    @property
    def poll_version(self):
        """A token (str of digits) that changes with everything a page shows of this
        message: every change saves the row, status reports too (apply_status). Polling
        pages send it back as `seen`."""
        return str(int(self.updated_at.timestamp() * 1_000_000))

    @property
    def awaits_news(self):
        """Still watched and not stuck: a poll that finds it unchanged has nothing to do."""
        return self.is_watched and not self.is_stuck

    def unchanged_since(self, seen):
        """Whether a page that shows this message at `seen` (a poll_version) has nothing new
        to show: still that version and awaiting news. Its poll answers 204 then."""
        return seen == self.poll_version and self.awaits_news

    @property
    def time_to_delivery(self):
        if self.delivered_at:
            return self.delivered_at - self.created_at
        return None

    @property
    def error(self):
        """Why the message failed, as a twilio_errors.ErrorExplanation; None if it did not."""
        if self.status == Status.DELIVERED or (
            self.status not in RETRYABLE_STATUSES and self.error_code is None
        ):
            # Twilio reports "delivered" with an ErrorCode for some multi-part messages
            # (30008 and others): delivered is delivered.
            return None
        if self.status == Status.UNKNOWN:
            return twilio_errors.outcome_unknown(self.error_message)
        return twilio_errors.explain(self.error_code, self.error_message)

    def apply_status(self, status, *, error_code=None, error_message="", raw=None, at=None):
        """Record a status report and move forward to it; the caller holds the row lock.

        `status` is any string Twilio may send; `error_code` an int or digit string.
        Returns True if the message's status changed.
        """
        at = at or timezone.now()
        error_code = int(error_code) if error_code else None
        self.status_reports.create(
            status=status, error_code=error_code, raw=raw or {}, created_at=at
        )
        status = REPORTED_AS.get(status, status)
        if (
            status not in STATUS_RANK
            or self.is_final
            or STATUS_RANK[status] <= STATUS_RANK[self.status]
        ):
            # The timeline shows the report: a new updated_at tells polling pages so.
            self.save(update_fields=["updated_at"])
            return False
        self.status = status
        if status == Status.DELIVERED:
            self.delivered_at = at
        elif error_code:
            self.error_code = error_code
            self.error_message = error_message[:300]
        self.save()
        metrics.log_event(
            logger, "sms.status_applied", "SMS %s is now %s", self.public_id, status, message=self
        )
        if status != Status.DELIVERED and error_code:
            # Mail goes out after the commit: no network call while the row lock is held.
            transaction.on_commit(lambda: alert_if_misconfigured(error_code, self))
        return True

    def record_submission(self, result):
        """Twilio sends no callback for the status it returns at creation: store it now."""
        with transaction.atomic():
            locked = Message.objects.select_for_update().get(pk=self.pk)
            # A callback matched by public_id may have stored the SID first: same message.
            locked.twilio_sid = result.sid
            locked.sender = result.sender[:34]
            locked.save(update_fields=["twilio_sid", "sender", "updated_at"])
            locked.apply_status(result.status, raw={"MessageSid": result.sid, "source": "create"})
        self.refresh_from_db()

    def fail(self, reason, *, code=None):
        """Nothing was sent (refused, or never left us): final, and counted by no quota."""
        self._end(Status.FAILED, reason, code)
        if code:
            alert_if_misconfigured(code, self)

    def mark_outcome_unknown(self, reason):
        """The request may have reached Twilio but its answer did not reach us."""
        self._end(Status.UNKNOWN, reason, None)

    def _end(self, status, reason, code):
        with transaction.atomic():
            locked = Message.objects.select_for_update().get(pk=self.pk)
            # A callback matched by public_id can arrive before the sender's answer.
            if STATUS_RANK[locked.status] < STATUS_RANK[status]:
                locked.status = status
                locked.error_code = code
                locked.error_message = reason[:300]
                locked.save()
                metrics.log_event(
                    logger,
                    "sms.status_applied",
                    "SMS %s is now %s",
                    locked.public_id,
                    status,
                    message=locked,
                )
            locked.status_reports.create(status=status, error_code=code, raw={"error": reason})
        self.refresh_from_db()

    def claim_for_sending(self):
        """Take the message from PENDING to SUBMITTING; only one worker can ever win."""
        claimed = Message.objects.filter(pk=self.pk, status=Status.PENDING).update(
            status=Status.SUBMITTING,
            attempts=models.F("attempts") + 1,
            submitted_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if claimed:
            self.refresh_from_db()
        return bool(claimed)

    def give_up_if_stuck(self):
        """A worker that died after claiming the message left it 'submitting'.

        Twilio may have it, so it is never sent again by itself; after STUCK_AFTER its
        outcome is unknown and the user may retry. Returns True if it was given up.
        """
        if not self.is_stuck:
            return False
        self.mark_outcome_unknown("The sending worker stopped before Twilio answered.")
        return True

    def retry(self, *, client_ip=None, simulate=None):
        """Queue a new message to the same number with the same text, linked to this one.

        `simulate` is the offline sender's outcome for the new one (None: this one's).
        Counted against the budgets like any send (raises budgets.BudgetExceeded).
        """
        return Message.queue(
            user=self.user,
            purpose=self.purpose,
            to_number=self.to_number,
            body=self.body,
            client_ip=client_ip,
            retry_of=self,
            simulate=self.simulate if simulate is None else simulate,
        )

    def timeline(self):
        """The delivery steps with the time each was first reported (None: not yet)."""
        first_seen = {}
        for report in sorted(self.status_reports.all(), key=lambda r: (r.created_at, r.pk)):
            first_seen.setdefault(REPORTED_AS.get(report.status, report.status), report.created_at)
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


class StatusReport(models.Model):
    """Every status report received for a message, applied or not, as it came."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="status_reports")
    status = models.CharField(max_length=20)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.status


class OutboxMessage(models.Model):
    """What the offline sender 'sent', so developers can read codes at /dev/outbox/."""

    class Outcome(models.TextChoices):
        DELIVERED = "delivered", "Delivered"
        UNDELIVERED = "undelivered", "Undelivered (30003)"
        FAILED = "failed", "Failed (30006)"
        OPTED_OUT = "opted_out", "Refused: number opted out (21610)"
        MISCONFIGURED = "misconfigured", "Refused: country not enabled (21408)"
        UNKNOWN = "unknown", "Outcome unknown (timeout)"

    to = models.CharField(max_length=32)
    body = models.TextField()
    sid = models.CharField(max_length=34, unique=True)
    # The delivery report the offline sender plays back for this message.
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.DELIVERED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"To {self.to}: {self.body[:40]}"

    @classmethod
    def outcome_to_play(cls, chosen, default=""):
        """The delivery report the offline sender should play for a new message, from what
        a person chose (a form or API value, str or None): `chosen` if it is an Outcome,
        else `default`; always "" with a real sender, which sends what it is given."""
        if not simulates_outcomes():
            return ""
        return chosen if chosen in cls.Outcome.values else default


class BudgetTrip(models.Model):
    """A send refused by a budget (sms/budgets.py): what staff see in the spend report."""

    budget = models.CharField(
        max_length=20, choices=[(b.key, b.title) for b in budgets.BUDGETS.values()]
    )
    country = models.CharField(max_length=2, blank=True)
    client_ip = models.GenericIPAddressField("client IP", null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_budget_display()} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:  # monitoring: one log event per refused send
            metrics.log_event(
                logger,
                "sms.budget_tripped",
                "SMS budget %s refused a send",
                self.budget,
                level=logging.WARNING,
                budget=self.budget,
                country=self.country,
                user_id=self.user_id,
            )


class StaffAlertQuerySet(models.QuerySet):
    def send_once(self, key, subject, message, *, every=timedelta(hours=1)):
        """Log `message` at ERROR and mail the site admins, at most once per `every` per key
        (a timedelta); the times between log a one-line WARNING.

        Counted in the database (one row per key, taken with a conditional UPDATE), so it
        holds across processes and machines. Returns True if this call sent the mail.
        """
        now = timezone.now()
        sent = self.filter(key=key, sent_at__lte=now - every).update(sent_at=now)
        if not sent:
            try:
                with transaction.atomic():
                    self.create(key=key, sent_at=now)
            except IntegrityError:
                # Told within the hour, by this process or another: a line, not a page.
                logger.warning("%s (staff were told within the last hour)", subject)
                return False
        logger.error("%s: %s", subject, message)
        mail_admins(subject, message, fail_silently=True)
        return True


class StaffAlert(models.Model):
    """When staff were last mailed about one kind of trouble (a Twilio error code…)."""

    key = models.CharField(max_length=60, unique=True)
    sent_at = models.DateTimeField()

    objects = StaffAlertQuerySet.as_manager()

    def __str__(self):
        return self.key


def alert_if_misconfigured(code, message):
    """Tell staff when Twilio's answer means the site's set-up is broken, not the number."""
    explanation = twilio_errors.explain(code)
    if explanation.blame != twilio_errors.Blame.SITE:
        return
    # Monitoring: a line for every occurrence; the ERROR line and the mail below come at
    # most once an hour.
    metrics.log_event(
        logger,
        "sms.twilio_configuration_error",
        "Twilio configuration error %s on SMS %s",
        code,
        message.public_id,
        message=message,
        level=logging.WARNING,
        error_code=code,
    )
    StaffAlert.objects.send_once(
        f"twilio-{code}",
        f"Twilio error {code}: {explanation.title}",
        f"{explanation.explanation}\n\nFirst seen on message {message.public_id} "
        f"({message.get_purpose_display()}). Twilio's page: {explanation.docs_url}\n"
        "Further errors with this code are not mailed for an hour.",
    )
