import re
import time
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from phones.models import PhoneEvent
from sms.models import Message
from sms.senders import BaseSender, SendError
from sms.senders.locmem import LocmemSender
from tests.factories import MessageFactory, PhoneNumberFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def phone(user):
    """A pending number on the signed-in user's account."""
    return PhoneNumberFactory(user=user, number="+12065550101")


def words(html):
    """The text of `html` as a person reads it: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" .", ".").replace(" ;", ";")


def full_width(text):
    """`text` as some CJK keyboards type it: full-width + and digits, ideographic spaces."""
    return "".join("\u3000" if char == " " else chr(ord(char) + 0xFEE0) for char in text)


@pytest.fixture
def sent_code(sms_outbox):
    """The code in the last SMS sent, read the way a person would."""

    def sent_code():
        assert sms_outbox, "no SMS was sent"
        return re.search(r"code is (\d{6})\.", sms_outbox[-1].body).group(1)

    return sent_code


@pytest.fixture
def send_code(committed, sent_code):
    """`send_code(phone)`: start verifying `phone` and let the worker send the SMS, as it does
    once the request's transaction commits; returns the code the SMS carried."""

    def send_code(phone):
        with committed():
            phone.start_verification()
        return sent_code()

    return send_code


class RefusingSender(BaseSender):
    """An SMS provider that turns every message down (selected through settings.SMS_SENDER)."""

    outcome_unknown = False

    def send(self, to, body, status_callback=None):
        raise SendError(
            "The 'To' number is not a valid mobile number.",
            code=21614,
            outcome_unknown=self.outcome_unknown,
        )


class TimingOutSender(RefusingSender):
    outcome_unknown = True


@pytest.fixture
def refusing_sender(settings):
    settings.SMS_SENDER = "tests.phones.conftest.RefusingSender"


@pytest.fixture
def timing_out_sender(settings):
    settings.SMS_SENDER = "tests.phones.conftest.TimingOutSender"


@pytest.fixture
def clock():
    """Time stands still (at 12:00 UTC) until the test moves it."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


class TransactionWatchingSender(LocmemSender):
    """Notes the state of the database connection whenever it is asked to send."""

    seen: list[dict] = []

    def send(self, to, body, status_callback=None):
        connection = transaction.get_connection()
        self.seen.append(
            {"in_atomic_block": connection.in_atomic_block, "autocommit": connection.autocommit}
        )
        return super().send(to, body, status_callback)


@pytest.fixture
def slow_queueing(monkeypatch):
    """Storing a code's SMS takes a moment, after the limits were checked: wide open for two
    requests to both pass the checks, unless the locks keep them apart. (The SMS itself is
    sent after the commit, outside every lock, so a slow provider widens no race.)"""
    queue = Message.queue.__func__

    def slow_queue(cls, **fields):
        time.sleep(0.3)
        return queue(cls, **fields)

    monkeypatch.setattr(Message, "queue", classmethod(slow_queue))


def code_sent(phone, *, ago, user=None):
    """A code SMS handed over to `phone`'s number `ago` (a timedelta) ago."""
    message = MessageFactory(
        user=user or phone.user, phone=phone, purpose="verification", status="sent"
    )
    message.created_at = timezone.now() - ago
    message.save(update_fields=["created_at"])


def wrong_codes(phone, count):
    for _ in range(count):
        PhoneEvent.objects.create(
            phone=phone, user=phone.user, number=phone.number, kind=PhoneEvent.Kind.FAILED_ATTEMPT
        )
