import math
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models, transaction
from django.db.models import CharField, Count, Q, Value
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import cached_property
from phonenumber_field.modelfields import PhoneNumberField

from sms import budgets, destinations
from sms.destinations import display_number, numbering_region
from sms.limits import WindowedQuerySet, limit_reached_until
from sms.locks import lock_number, lock_user, lock_users
from sms.models import Message
from sms.twilio_errors import Blame

from . import emails

CODE_DIGITS = 6
NO_LONGER_VERIFIED = "The number is no longer verified on your account, so nothing was sent."


def normalise_code(typed):
    """What people type or paste: spaces, dashes, full-width or other Unicode digits."""
    text = unicodedata.normalize("NFKC", typed)
    return "".join(
        str(unicodedata.decimal(char)) if char.isdecimal() else char
        for char in text
        if not char.isspace() and char != "-"
    )


def wait_text(seconds):
    """'42 seconds', '35 minutes', '3 hours 5 minutes': how long until something is allowed.

    Rounded up, so nobody is told to retry too early. Plain spaces: this goes into SMS too,
    where a no-break space (as timeuntil() writes) would force the costlier UCS-2 encoding.
    """
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return plural(seconds, "second")
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return plural(minutes, "minute")
    hours, minutes = divmod(minutes, 60)
    return plural(hours, "hour") + (f" {plural(minutes, 'minute')}" if minutes else "")


def plural(count, unit):
    return f"{count} {unit}{'' if count == 1 else 's'}"


class PhoneError(Exception):
    """A refused action, with a message for the user; `retry_at` says when it may work."""

    def __init__(self, message, *, retry_at=None):
        super().__init__(message)
        self.message = message
        self.retry_at = retry_at

    @property
    def wait_seconds(self):
        if self.retry_at is None:
            return 0
        return max(1, math.ceil((self.retry_at - timezone.now()).total_seconds()))


class CannotAddNumber(PhoneError):
    pass


class NotVerified(PhoneError):
    pass


class CodeRequestRefused(PhoneError):
    """start_verification() sent nothing."""


class ResendTooSoon(CodeRequestRefused):
    pass


class CodeQuotaReached(CodeRequestRefused):
    pass


class SendingTurnedOff(CodeRequestRefused):
    """SMS to the number's region or type are not allowed (any more) on this site."""


class CodeRejected(PhoneError):
    """check_code() did not verify the number."""


class WrongCode(CodeRejected):
    pass


class CodeExpired(CodeRejected):
    pass


class CodeAttemptsExhausted(CodeRejected):
    pass


class NoCodeSent(CodeRejected):
    pass


class TooManyWrongCodes(CodeRequestRefused, CodeRejected):
    """This account's daily cap on wrong codes for a number: no new code, no check."""


class CodeBudgetReached(CodeRequestRefused):
    """A site budget (sms/budgets.py) refused the send; its sliding hour bounds the wait."""


class NumberBusy(CodeRequestRefused):
    """Codes other accounts asked for stop this send; the message says nothing of them."""


class CodeNeedsRenewal(CodeRejected):
    """The number is guarded (too many wrong codes across accounts): only a new code,
    sent after that, can be checked, once."""


class AlreadyVerified(CodeRequestRefused, CodeRejected):
    pass


@dataclass(frozen=True)
class CodeDelivery:
    """What became of the SMS that carries a code, in words for the number's owner."""

    state: str  # "sending", "sent", "delivered", "unknown" or "failed"
    text: str
    at: datetime | None = None  # when it was delivered


def code_delivery(message):
    """The CodeDelivery of `message` (an sms.Message carrying a code).

    The words follow Twilio's error pages by whose problem it is: a site set-up error (staff
    are alerted) is never blamed on the person; 21610 tells them to text START.
    """
    if message.status == Message.Status.DELIVERED:
        return CodeDelivery("delivered", "The code was delivered.", message.delivered_at)
    if message.status == Message.Status.SENT:
        return CodeDelivery("sent", "The code is on its way to your phone.")
    if message.outcome_unknown:
        return CodeDelivery(
            "unknown",
            "We could not confirm whether the code was sent. If it has not arrived in a "
            "minute, send a new one.",
        )
    error = message.error
    if error is None:
        return CodeDelivery("sending", "Sending the code…")
    # Without a SID Twilio never took the message: it was not sent, rather than lost.
    outcome = "delivered" if message.twilio_sid else "sent"
    if error.blame == Blame.SITE:
        text = "We could not send the code. We are looking into it; please try again later."
    elif error.blame == Blame.OPTED_OUT:
        sender = message.sender or settings.TWILIO_FROM_NUMBER or "our number"
        text = (
            "The code was not sent: this number has opted out of our texts (it once replied "
            f"STOP). Text START to {sender} from this phone, then send a new code."
        )
    elif error.blame == Blame.NUMBER:
        text = f"The code was not {outcome}: {error.explanation} {error.action}"
    elif turned_off := destinations.refusal(message.to_number):
        text = f"The code was not sent: {turned_off}"  # a new code would be refused too
    else:
        text = f"The code was not {outcome}: {error.explanation} Send a new code to try again."
    return CodeDelivery("failed", text)


@dataclass(frozen=True)
class CodeRequests:
    """What the code-request limits count for some numbers, read in one query.

    `codes`: (user id, E.164, created_at) of the code SMS handed over (sms.Message rows, see
    handed_over()) in the last day by the numbers' accounts, and in the last hour to the
    numbers by any account. `failures`: (user id, E.164, created_at) of the wrong codes those
    accounts typed for those numbers in the last day. Nothing older counts for any limit.
    """

    now: datetime
    codes: tuple
    failures: tuple

    @classmethod
    def of(cls, phones, now=None):
        """The CodeRequests for `phones` (PhoneNumber instances), as of `now`."""
        now = now or timezone.now()
        if not phones:
            return cls(now, (), ())
        user_ids = {phone.user_id for phone in phones}
        numbers = {phone.number for phone in phones}
        day_ago = now - timedelta(days=1)
        # Others' codes count for the cooldown and the hourly cap of the number.
        others_since = now - max(
            timedelta(hours=1), timedelta(seconds=settings.VERIFICATION_RESEND_COOLDOWN_SECONDS)
        )
        codes = (
            Message.objects.verification_codes()
            .handed_over()
            .filter(
                Q(user_id__in=user_ids, created_at__gt=day_ago)
                | Q(to_number__in=numbers, created_at__gt=others_since)
            )
            .annotate(row=Value("code", output_field=CharField()))
            .values_list("row", "user_id", "to_number", "created_at")
            .order_by()
        )
        failures = (
            PhoneEvent.objects.filter(
                user_id__in=user_ids,
                number__in=numbers,
                kind=PhoneEvent.Kind.FAILED_ATTEMPT,
                created_at__gt=day_ago,
            )
            .annotate(row=Value("failure", output_field=CharField()))
            .values_list("row", "user_id", "number", "created_at")
            .order_by()
        )
        rows = [
            (row, user_id, e164(number), at)
            for row, user_id, number, at in codes.union(failures, all=True)
        ]
        return cls(
            now,
            tuple(row[1:] for row in rows if row[0] == "code"),
            tuple(row[1:] for row in rows if row[0] == "failure"),
        )

    def code_times(self, *, user_id=None, number=None):
        """When the counted codes were handed over: of one account, to one number, or both."""
        return [
            at
            for owner, to, at in self.codes
            if user_id in (None, owner) and (number is None or to == e164(number))
        ]

    def failure_times(self, user_id, number):
        return [at for owner, to, at in self.failures if owner == user_id and to == e164(number)]


def e164(number):
    """The E.164 text of a phone number object or string, for comparing numbers."""
    return getattr(number, "as_e164", None) or str(number)


class PhoneNumberQuerySet(models.QuerySet):
    def verified(self):
        return self.filter(verified_at__isnull=False)

    def pending(self):
        return self.filter(verified_at__isnull=True)

    def overview(self):
        """The figures at the top of the page: total, verified, pending and the primary."""
        figures = self.aggregate(
            total=Count("pk"), verified=Count("pk", filter=Q(verified_at__isnull=False))
        )
        figures["pending"] = figures["total"] - figures["verified"]
        figures["primary"] = self.filter(is_primary=True).first()
        return figures

    def code_requests(self):
        """The CodeRequests of these numbers' unverified ones, read in one query, for
        code_request_refusal() of each (evaluates this queryset, which keeps its rows)."""
        return CodeRequests.of([phone for phone in self if not phone.is_verified])

    def check_can_add(self, user, number):
        if self.filter(user=user, number=number).exists():
            raise CannotAddNumber("This number is already on your account.")
        if self.filter(user=user).count() >= settings.PHONES_MAX_PER_USER:
            raise CannotAddNumber(
                f"You can have at most {settings.PHONES_MAX_PER_USER} numbers. "
                "Delete one you no longer use to add another."
            )

    def create_for(self, user, number, label=""):
        with transaction.atomic():
            # Serialises adds by one user, so two at once cannot pass the limit together.
            lock_user(user)
            self.check_can_add(user, number)
            phone = self.create(user=user, number=number, label=label)
            phone.record(PhoneEvent.Kind.ADDED)
        return phone


class PhoneNumber(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_numbers"
    )
    number = PhoneNumberField()
    # Where the number belongs (ISO 3166 code, GB for the UK plan's GG/JE/IM ranges): +1
    # alone cannot tell the US from Canada, and staff filter by it.
    country = models.CharField(max_length=2, blank=True, editable=False, db_index=True)
    label = models.CharField(max_length=40, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    is_primary = models.BooleanField(default=False)
    # The one live verification code; sending a new one overwrites it (cancelling the old).
    code_hash = models.CharField(max_length=64, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    # The SMS that carries the live code: the row shows its delivery state.
    code_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PhoneNumberQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "number"], name="phone_unique_per_user"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_primary=True), name="one_primary_per_user"
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(verified_at__isnull=False),
                name="number_verified_on_one_account",
            ),
            models.CheckConstraint(
                condition=Q(is_primary=False) | Q(verified_at__isnull=False),
                name="primary_must_be_verified",
            ),
        ]

    def __str__(self):
        return str(self.number)

    def save(self, *args, **kwargs):
        region = numbering_region(self.number) or ""
        # Non-geographic numbers (+800, +870…) belong to the pseudo-region "001": no country.
        self.country = region if len(region) == 2 else ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "country"}
        super().save(*args, **kwargs)

    @property
    def is_verified(self):
        return self.verified_at is not None

    @cached_property
    def display(self):
        """The number as people read it (sms.destinations.display_number), worked out once
        per row: a page shows it several times, and formatting costs."""
        return display_number(self.number)

    @property
    def code_expires_at(self):
        if not self.code_sent_at:
            return None
        return self.code_sent_at + timedelta(seconds=settings.VERIFICATION_CODE_TTL_SECONDS)

    @property
    def code_delivery(self):
        """The CodeDelivery of the live code's SMS; None without one."""
        if self.code_message is None or not self.code_hash:
            return None
        return code_delivery(self.code_message)

    @property
    def code_delivery_version(self):
        """A token (str) for what the row's code state shows: it changes with this row
        (verified, a new code) and with the code's SMS (sms.Message.poll_version)."""
        message_version = self.code_message.poll_version if self.code_message else ""
        return f"{int(self.updated_at.timestamp() * 1_000_000)}-{message_version}"

    def code_delivery_unchanged_since(self, seen):
        """Whether a row showing the code state at `seen` (a code_delivery_version) has
        nothing new to show while the code's SMS is on its way; its poll gets 204 then."""
        message = self.code_message
        return message is not None and seen == self.code_delivery_version and message.awaits_news

    @property
    def code_status(self):
        """'none', 'live', 'expired' or 'exhausted': what the last code sent is good for."""
        if not self.code_hash:
            return "none"
        if self.code_attempts >= settings.VERIFICATION_MAX_ATTEMPTS:
            return "exhausted"
        return "live" if timezone.now() < self.code_expires_at else "expired"

    def record(self, kind, detail="", user=None):
        return PhoneEvent.objects.create(
            phone=self, user=user or self.user, number=self.number, kind=kind, detail=detail
        )

    # Verification codes

    def hash_code(self, code):
        # Keyed by SECRET_KEY and bound to this row: a leaked hash is useless elsewhere.
        value = f"{self.pk}:{code}"
        return salted_hmac("phones.verification-code", value, algorithm="sha256").hexdigest()

    def code_request_refusal(self, requests=None):
        """Why a new code cannot be sent now (a CodeRequestRefused), or None.

        `requests`: the CodeRequests to judge by (the page reads them for all its rows in
        one query); by default read now for this number. The limits count the code SMS
        handed to the pipeline (sms.Message rows, which outlive the number, so deleting and
        re-adding a number resets none of them); a code that surely was not sent counts for
        none. What this account is told depends only on its own requests: when other
        accounts' codes to the same phone stop a send, the answer is a generic NumberBusy.
        """
        if self.is_verified:
            return AlreadyVerified("This number is already verified.")
        if turned_off := destinations.refusal(self.number):
            return SendingTurnedOff(turned_off)
        requests = requests or CodeRequests.of([self])
        now = requests.now
        cooldown = timedelta(seconds=settings.VERIFICATION_RESEND_COOLDOWN_SECONDS)
        hour = timedelta(hours=1)
        hourly = settings.VERIFICATION_MAX_CODES_PER_NUMBER_PER_HOUR
        daily = settings.VERIFICATION_MAX_CODES_PER_USER_PER_DAY
        mine = requests.code_times(user_id=self.user_id)
        my_codes_to_number = requests.code_times(user_id=self.user_id, number=self.number)
        own = [self.own_failure_refusal(requests)]
        if until := limit_reached_until(my_codes_to_number, 1, cooldown, now):
            own.append(
                ResendTooSoon(
                    f"A code was just sent. You can request another in "
                    f"{wait_text((until - now).total_seconds())}.",
                    retry_at=until,
                )
            )
        if until := limit_reached_until(my_codes_to_number, hourly, hour, now):
            own.append(
                CodeQuotaReached(
                    f"You have requested {hourly} codes for this number in the last hour. "
                    f"You can request another in {wait_text((until - now).total_seconds())}.",
                    retry_at=until,
                )
            )
        if until := limit_reached_until(mine, daily, timedelta(days=1), now):
            own.append(
                CodeQuotaReached(
                    f"You have requested {daily} codes in the last 24 hours. "
                    f"You can request another in {wait_text((until - now).total_seconds())}.",
                    retry_at=until,
                )
            )
        if refusals := [refusal for refusal in own if refusal is not None]:
            # Several limits may hold at once (the fifth code of the hour also starts a
            # cooldown): the one that lifts last is the wait that really applies.
            return max(refusals, key=lambda refusal: refusal.retry_at)
        # The same phone gets at most one code a cooldown and `hourly` codes an hour,
        # whichever accounts ask: nobody can flood a stranger's phone with codes.
        codes_to_number = requests.code_times(number=self.number)
        if limit_reached_until(codes_to_number, 1, cooldown, now) or limit_reached_until(
            codes_to_number, hourly, hour, now
        ):
            return NumberBusy(
                "We cannot send a code to this number right now. Please try again in a few minutes."
            )
        return None

    def own_failure_refusal(self, requests):
        """TooManyWrongCodes once this account has typed too many wrong codes for this
        number in 24 hours (VERIFICATION_MAX_FAILURES_PER_ACCOUNT_PER_DAY), as `requests`
        (CodeRequests) count them; else None."""
        limit = settings.VERIFICATION_MAX_FAILURES_PER_ACCOUNT_PER_DAY
        failures = requests.failure_times(self.user_id, self.number)
        now = requests.now
        if until := limit_reached_until(failures, limit, timedelta(days=1), now):
            return TooManyWrongCodes(
                "You have entered too many wrong codes for this number today. "
                f"You can try again in {wait_text((until - now).total_seconds())}.",
                retry_at=until,
            )
        return None

    def guarded_since(self, now):
        """When this number reached its daily cap of wrong codes across accounts
        (VERIFICATION_MAX_FAILURES_PER_DAY), or None while it is under the cap.

        From then on only codes sent after that moment can be checked, once each: no
        number of accounts buys more guesses than codes the phone was sent, and the real
        owner can still verify with a new code (docs/security.md).
        """
        limit = settings.VERIFICATION_MAX_FAILURES_PER_DAY
        if limit <= 0:
            return now - timedelta(days=1)  # always guarded: every code takes one try
        failures = PhoneEvent.objects.filter(
            number=self.number,
            kind=PhoneEvent.Kind.FAILED_ATTEMPT,
            created_at__gt=now - timedelta(days=1),
        ).order_by("created_at")
        reached = list(failures.values_list("created_at", flat=True)[limit - 1 : limit])
        return reached[0] if reached else None

    def start_verification(self, *, simulate="", client_ip=None):
        """Queue a new 6-digit code to the number; the previous code stops working.

        Stores the code's hash and an sms.Message that a worker sends after the commit:
        no network call happens here. `client_ip` (str) is who asked, for the per-IP
        budgets; `simulate` (development, offline sender only) the delivery report to play
        back, an sms.models.OutboxMessage.Outcome value. Returns the Message; raises
        CodeRequestRefused (cooldown, quotas, budgets, already verified, sending to the
        number turned off).
        """
        try:
            with budgets.trips_recorded(), transaction.atomic():
                self.queue_code(simulate, client_ip)
        except budgets.BudgetExceeded as trip:
            raise CodeBudgetReached(
                trip.message, retry_at=timezone.now() + budgets.WINDOW
            ) from None
        return self.code_message

    def queue_code(self, simulate, client_ip):
        """start_verification()'s transaction: checks the limits, stores the code and its SMS."""
        # One request at a time per user, and per number across accounts: concurrent
        # clicks, or accounts adding the same number at once, cannot pass the limits together.
        lock_user(self.user)
        lock_number(self.number)
        self.refresh_from_db(from_queryset=PhoneNumber.objects.select_for_update())
        if refusal := self.code_request_refusal():
            raise refusal
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        # Queued first: a budget that refuses it leaves this row as it was.
        message = Message.queue(
            user=self.user,
            purpose=Message.Purpose.VERIFICATION,
            to_number=self.number,
            body=self.verification_sms(code),
            client_ip=client_ip,
            simulate=simulate,
        )
        self.code_hash = self.hash_code(code)
        self.code_sent_at = timezone.now()
        self.code_attempts = 0
        self.code_message = message
        fields = ["code_hash", "code_sent_at", "code_attempts", "code_message", "updated_at"]
        self.save(update_fields=fields)
        self.record(PhoneEvent.Kind.CODE_SENT, detail=f"SMS {self.code_message.public_id}")

    def verification_sms(self, code):
        host = urlsplit(settings.PUBLIC_BASE_URL).hostname
        lifetime = wait_text(settings.VERIFICATION_CODE_TTL_SECONDS)
        # The last line lets browsers offer the code for autofill (origin-bound one-time codes).
        return (
            f"Your {settings.SITE_NAME} verification code is {code}. It expires in {lifetime}."
            f"\n\n@{host} #{code}"
        )

    def check_code(self, typed):
        """Verify the number if `typed` is its live code; raises a CodeRejected otherwise.

        Returns the number this verification took over from another account, or None.
        """
        code = normalise_code(typed)
        with transaction.atomic():
            same_number = self.lock_same_number()
            self.refresh_from_db()
            now = timezone.now()
            rejection = self.code_rejection(code, now)
            if rejection is None:
                return self.mark_verified(
                    previous=next(
                        (p for p in same_number if p.is_verified and p.pk != self.pk), None
                    )
                )
            if isinstance(rejection, WrongCode):
                self.code_attempts += 1
                self.save(update_fields=["code_attempts", "updated_at"])
                self.record(
                    PhoneEvent.Kind.FAILED_ATTEMPT,
                    detail=f"try {self.code_attempts} of {settings.VERIFICATION_MAX_ATTEMPTS}",
                )
                rejection = self.wrong_code_message(now)
        raise rejection

    def lock_same_number(self):
        """Lock every row with this number and every account that has one, users first.

        Two accounts proving the same number at once take turns, and the account that may
        lose the number is locked too, as its primary may move. The owners are read before
        their locks are held, so one that appeared meanwhile means taking the locks again.
        """
        locked = set()
        while True:
            owners = PhoneNumber.objects.filter(number=self.number).values_list("user_id")
            locked |= {self.user_id, *(user_id for (user_id,) in owners)}
            lock_users(*locked)
            lock_number(self.number)
            same_number = list(
                PhoneNumber.objects.select_for_update().filter(number=self.number).order_by("pk")
            )
            if {phone.user_id for phone in same_number} <= locked:
                return same_number

    def code_rejection(self, code, now):
        if self.is_verified:
            return AlreadyVerified("This number is already verified.")
        if refusal := self.own_failure_refusal(CodeRequests.of([self], now)):
            return refusal
        if not self.code_hash:
            return NoCodeSent("No code is waiting for this number. Send a new code.")
        if self.code_attempts >= settings.VERIFICATION_MAX_ATTEMPTS:
            return CodeAttemptsExhausted(
                "Too many wrong tries for this code. Send a new code to try again."
            )
        if now >= self.code_expires_at:
            return CodeExpired("This code has expired. Send a new code.")
        guarded_since = self.guarded_since(now)
        if guarded_since and (self.code_sent_at <= guarded_since or self.code_attempts):
            return CodeNeedsRenewal("This code can no longer be checked. Send a new code.")
        if not constant_time_compare(self.hash_code(code), self.code_hash):
            return WrongCode("That code is not right.")
        return None

    def wrong_code_message(self, now):
        left = settings.VERIFICATION_MAX_ATTEMPTS - self.code_attempts
        # A guarded number's codes take one try (this one may have just guarded it).
        if left <= 0 or self.guarded_since(now):
            return WrongCode("That code is not right, and it was the last try. Send a new code.")
        return WrongCode(f"That code is not right. {left} {'try' if left == 1 else 'tries'} left.")

    def mark_verified(self, previous=None):
        """Record proof of ownership, taking the number over from `previous` (another account).

        Runs inside check_code()'s transaction, with the rows of this number locked.
        """
        if previous is not None:
            previous.lose_verification()
        self.verified_at = timezone.now()
        self.code_hash = ""
        self.code_attempts = 0
        # The first verified number becomes primary by itself.
        self.is_primary = not self.user.phone_numbers.filter(is_primary=True).exists()
        self.save()
        self.record(
            PhoneEvent.Kind.VERIFIED,
            detail="taken over from another account" if previous else "",
        )
        if self.is_primary:
            self.record(PhoneEvent.Kind.PRIMARY_CHANGED, detail="first verified number")
        emails.number_verified(self)
        return previous

    def lose_verification(self):
        """Another account proved it owns this number: this one is pending again."""
        self.cancel_pending_sms()
        was_primary = self.is_primary
        self.verified_at = None
        self.is_primary = False
        self.code_hash = ""
        self.save()
        self.record(
            PhoneEvent.Kind.TAKEN_OVER,
            detail="verified by another account" + (" (was primary)" if was_primary else ""),
        )
        promoted = self.promote_replacement() if was_primary else None
        emails.number_taken_over(self, promoted)

    def promote_replacement(self):
        """Make the owner's oldest remaining verified number primary, if there is one."""
        promoted = self.user.phone_numbers.verified().exclude(pk=self.pk).first()
        if promoted is not None:
            promoted.is_primary = True
            promoted.save(update_fields=["is_primary", "updated_at"])
            promoted.record(
                PhoneEvent.Kind.PRIMARY_CHANGED, detail=f"replaces {self.number.as_e164}"
            )
        return promoted

    def cancel_pending_sms(self):
        """SMS this account queued to the number and no worker has sent yet are dropped."""
        Message.objects.filter(user_id=self.user_id, to_number=self.number).cancel_pending(
            NO_LONGER_VERIFIED
        )

    # Primary, label, removal

    def make_primary(self):
        """Returns the number that was primary before, or None."""
        with transaction.atomic():
            lock_user(self.user)
            self.refresh_from_db()
            if not self.is_verified:
                raise NotVerified("Only a verified number can be your primary number.")
            if self.is_primary:
                return None
            previous = self.user.phone_numbers.filter(is_primary=True).first()
            if previous is not None:
                previous.is_primary = False
                previous.save(update_fields=["is_primary", "updated_at"])
            self.is_primary = True
            self.save(update_fields=["is_primary", "updated_at"])
            self.record(PhoneEvent.Kind.PRIMARY_CHANGED, detail="made primary")
        return previous

    def change_label(self, label):
        if label == self.label:
            return
        old, self.label = self.label, label
        with transaction.atomic():
            self.save(update_fields=["label", "updated_at"])
            self.record(PhoneEvent.Kind.LABEL_CHANGED, detail=f"“{old}” → “{label}”")

    def remove(self):
        """Delete the number (its events stay); returns the number promoted to primary, if any."""
        with transaction.atomic():
            lock_user(self.user)
            self.refresh_from_db()
            self.record(PhoneEvent.Kind.DELETED)
            self.cancel_pending_sms()
            was_verified, was_primary = self.is_verified, self.is_primary
            self.delete()
            promoted = self.promote_replacement() if was_primary else None
            if was_verified:
                emails.number_removed(self, promoted)
        return promoted


class PhoneEventQuerySet(WindowedQuerySet):
    def changes(self):
        """Events that change what a number is; sending and guessing codes do not."""
        return self.exclude(kind__in=[PhoneEvent.Kind.CODE_SENT, PhoneEvent.Kind.FAILED_ATTEMPT])


class PhoneEvent(models.Model):
    """What happened to a number. Kept after the number is deleted: quotas count these rows."""

    class Kind(models.TextChoices):
        ADDED = "added", "Added"
        CODE_SENT = "code_sent", "Code sent"
        VERIFIED = "verified", "Verified"
        FAILED_ATTEMPT = "failed_attempt", "Failed attempt"
        PRIMARY_CHANGED = "primary_changed", "Primary changed"
        LABEL_CHANGED = "label_changed", "Label changed"
        DELETED = "deleted", "Deleted"
        TAKEN_OVER = "taken_over", "Verification taken over"

    phone = models.ForeignKey(
        PhoneNumber, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_events"
    )
    number = PhoneNumberField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = PhoneEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["number", "kind", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.number}"
