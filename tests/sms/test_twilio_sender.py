"""TwilioSender through the real twilio SDK, against the local fake of Twilio's API."""

import socket
import time
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import QueryDict
from twilio.request_validator import RequestValidator

from sms.senders import SendError, SendResult
from sms.senders.twilio import OUTCOME_UNKNOWN, TwilioSender, is_valid_signature
from tests.sms.fake_twilio import Reply, created, disconnect, error, fetched, hang, trickle

ACCOUNT_SID = "AC" + "0" * 32  # tests/settings.py
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
MESSAGE_SID = "SM" + "5" * 32
SERVICE_SID = "MG" + "1" * 32
CALLBACK_URL = "https://sms.example.test/webhooks/twilio/status/"
WEBHOOK_FIELDS = {"MessageSid": MESSAGE_SID, "MessageStatus": "delivered", "To": "+15551230001"}
# Where time is measured: what the deadline allows, plus what a loaded machine may add.
TIMEOUT = 1.0
SLACK = 1.0


class SkippedTime:
    """Stands in for time.sleep and time.monotonic: a pause is noted and moves the clock
    on at once, so the sender's deadline counts it without the test waiting."""

    def __init__(self):
        self.waits = []
        self.skipped = 0.0

    def sleep(self, seconds):
        self.waits.append(seconds)
        self.skipped += seconds

    def clock(self):
        return time.monotonic() + self.skipped


@pytest.fixture
def skipped_time():
    return SkippedTime()


@pytest.fixture
def new_sender(skipped_time):
    """Makes a sender from the settings as they are now, pausing in skipped time."""
    return lambda: TwilioSender(sleep=skipped_time.sleep, clock=skipped_time.clock)


@pytest.fixture
def sender(fake_twilio, new_sender):
    return new_sender()


@pytest.fixture
def silent_twilio(settings):
    """An HTTPS address whose port takes connections and never says a word: the kernel
    completes the TCP handshake of a listening socket, nobody answers the TLS one."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        host, port = server.getsockname()
        settings.TWILIO_API_BASE_URL = f"https://{host}:{port}"
        yield


@pytest.fixture
def timed(settings):
    """Sets TWILIO_TIMEOUT_SECONDS to TIMEOUT; `timed(call)` runs call() and returns the
    exception it raised (or its result) and the seconds it took."""
    settings.TWILIO_TIMEOUT_SECONDS = TIMEOUT

    def run(call):
        start = time.monotonic()
        try:
            outcome = call()
        except SendError as failure:
            outcome = failure
        return outcome, time.monotonic() - start

    return run


def test_sends_message_from_our_number_with_status_callback(sender, fake_twilio, skipped_time):
    fake_twilio.reply(created(sid=MESSAGE_SID))

    result = sender.send("+15551230001", "Hello from tests", status_callback=CALLBACK_URL)

    assert result == SendResult(sid=MESSAGE_SID, status="queued", sender="+15005550006")
    [request] = fake_twilio.requests
    assert (request.method, request.path) == ("POST", MESSAGES_PATH)
    assert request.auth == (ACCOUNT_SID, "test-auth-token")
    assert request.fields == {
        "To": "+15551230001",
        "From": "+15005550006",
        "Body": "Hello from tests",
        "StatusCallback": CALLBACK_URL,
    }
    assert skipped_time.waits == []


def test_sends_no_status_callback_when_none_is_given(sender, fake_twilio):
    fake_twilio.reply(created())

    sender.send("+15551230001", "Hello")

    [request] = fake_twilio.requests
    assert "StatusCallback" not in request.fields


def test_messaging_service_is_used_instead_of_from_number(settings, fake_twilio, new_sender):
    settings.TWILIO_MESSAGING_SERVICE_SID = SERVICE_SID
    fake_twilio.reply(created(sid=MESSAGE_SID))

    result = new_sender().send("+15551230001", "Hello")

    [request] = fake_twilio.requests
    assert request.fields["MessagingServiceSid"] == SERVICE_SID
    assert "From" not in request.fields
    # The service has yet to pick a number: the sender is the service.
    assert result == SendResult(sid=MESSAGE_SID, status="accepted", sender=SERVICE_SID)


def test_sender_is_the_number_the_messaging_service_picked(settings, fake_twilio, new_sender):
    settings.TWILIO_MESSAGING_SERVICE_SID = SERVICE_SID
    fake_twilio.reply(created(from_="+15005550009"))

    result = new_sender().send("+15551230001", "Hello")

    assert result.sender == "+15005550009"


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (400, 21211, "The 'To' number +1555 is not a valid phone number."),
        (400, 21408, "Permission to send an SMS has not been enabled for the region"),
        (400, 21606, "The 'From' phone number provided is not a valid message-capable Twilio"),
        (400, 21608, "The number +1555 is unverified. Trial accounts cannot send messages"),
        (400, 21610, "Attempt to send to unsubscribed recipient"),
        (400, 21614, "'To' number is not a valid mobile number"),
        (400, 21659, "Source number +15005550006 is not a valid message-capable Twilio number"),
        (401, 20003, "Authenticate"),
    ],
)
def test_twilio_error_fails_at_once_with_its_code_and_message(
    sender, fake_twilio, skipped_time, status, code, message
):
    fake_twilio.reply(error(status, code, message))

    with pytest.raises(SendError) as failure:
        sender.send("+1555", "Hello")

    assert (failure.value.code, failure.value.message) == (code, message)
    assert not failure.value.outcome_unknown
    assert len(fake_twilio.requests) == 1
    assert skipped_time.waits == []


def test_problem_details_error_fails_with_its_detail_and_code(sender, fake_twilio):
    # RFC 9457, the error format of Twilio's newer APIs, which the SDK raises differently.
    problem = {
        "type": "https://www.twilio.com/docs/api/errors/21211",
        "title": "Invalid 'To' Phone Number",
        "status": 400,
        "code": 21211,
        "detail": "The 'To' number +1555 is not a valid phone number.",
    }
    fake_twilio.reply(Reply(400, problem))

    with pytest.raises(SendError) as failure:
        sender.send("+1555", "Hello")

    assert (failure.value.code, failure.value.message) == (21211, problem["detail"])
    assert not failure.value.outcome_unknown


def test_rate_limited_message_is_sent_again_after_the_wait_twilio_asks_for(
    settings, fake_twilio, new_sender, skipped_time
):
    settings.TWILIO_TIMEOUT_SECONDS = 2
    fake_twilio.reply(
        error(429, 20429, "Too Many Requests", headers={"Retry-After": "0.7"}),
        created(sid=MESSAGE_SID),
    )

    result = new_sender().send("+15551230001", "Hello")

    assert result.sid == MESSAGE_SID
    assert len(fake_twilio.requests) == 2
    assert skipped_time.waits == [0.7]


def test_unavailable_twilio_is_tried_again_after_a_pause(
    settings, fake_twilio, new_sender, skipped_time
):
    settings.TWILIO_TIMEOUT_SECONDS = 2
    fake_twilio.reply(error(503, 20503, "Service Unavailable"), created(sid=MESSAGE_SID))

    result = new_sender().send("+15551230001", "Hello")

    assert result.sid == MESSAGE_SID
    assert skipped_time.waits == [0.5]


def test_retry_after_beyond_the_deadline_fails_at_once_knowing_nothing_was_sent(
    settings, fake_twilio, new_sender, skipped_time
):
    settings.TWILIO_TIMEOUT_SECONDS = 2
    fake_twilio.reply(
        error(429, 20429, "Too Many Requests", headers={"Retry-After": "3"}), created()
    )

    with pytest.raises(SendError) as failure:
        new_sender().send("+15551230001", "Hello")

    assert (failure.value.code, failure.value.message) == (20429, "Too Many Requests")
    assert not failure.value.outcome_unknown
    assert len(fake_twilio.requests) == 1
    assert skipped_time.waits == []


def test_rate_limit_without_twilios_error_body_is_still_error_20429(sender, fake_twilio):
    fake_twilio.reply(Reply(429, headers={"Retry-After": "3600"}))

    with pytest.raises(SendError) as failure:
        sender.send("+15551230001", "Hello")

    assert failure.value.code == 20429
    assert failure.value.message == "Twilio answered 429 Too Many Requests."
    assert not failure.value.outcome_unknown


def test_unavailable_twilio_is_tried_with_growing_pauses_until_the_deadline(
    settings, fake_twilio, new_sender, skipped_time
):
    settings.TWILIO_TIMEOUT_SECONDS = 4
    fake_twilio.reply(*[error(503, 20503, "Service Unavailable")] * 4)

    with pytest.raises(SendError) as failure:
        new_sender().send("+15551230001", "Hello")

    # After pauses of 0.5 s and 1 s, one of 2 s would leave under MIN_TRY_SECONDS.
    assert skipped_time.waits == [0.5, 1.0]
    assert len(fake_twilio.requests) == 3
    assert (failure.value.code, failure.value.message) == (20503, "Service Unavailable")
    assert not failure.value.outcome_unknown


def test_unavailable_twilio_is_tried_four_times_at_most(sender, fake_twilio, skipped_time):
    fake_twilio.reply(*[error(503, 20503, "Service Unavailable")] * 5)  # 10 s deadline

    with pytest.raises(SendError):
        sender.send("+15551230001", "Hello")

    assert skipped_time.waits == [0.5, 1.0, 2.0]
    assert len(fake_twilio.requests) == 4


def test_tries_and_real_pauses_together_end_by_the_deadline(settings, fake_twilio):
    settings.TWILIO_TIMEOUT_SECONDS = 1.5
    slow_down = error(429, 20429, "Too Many Requests", headers={"Retry-After": "0.2"})
    fake_twilio.reply(*[slow_down] * 4)

    start = time.monotonic()
    with pytest.raises(SendError) as failure:
        TwilioSender().send("+15551230001", "Hello")  # really sleeps

    assert time.monotonic() - start < 1.5
    # Each pause (0.2 s) needs 1 s left after it: 2 or 3 tries, by how fast the machine is.
    assert 2 <= len(fake_twilio.requests) <= 3
    assert failure.value.code == 20429


@pytest.mark.parametrize("status", [500, 502, 504])
def test_server_error_is_never_sent_again_and_leaves_the_outcome_unknown(
    sender, fake_twilio, skipped_time, status
):
    fake_twilio.reply(error(status, 20500, "Internal Server Error"), created())

    with pytest.raises(SendError) as failure:
        sender.send("+15551230001", "Hello")

    assert failure.value.outcome_unknown
    assert failure.value.message == "No answer came back from Twilio."
    assert len(fake_twilio.requests) == 1
    assert skipped_time.waits == []


def test_no_answer_ends_at_the_deadline_and_leaves_the_outcome_unknown(
    fake_twilio, new_sender, skipped_time, timed
):
    fake_twilio.reply(hang(), created())

    failure, seconds = timed(lambda: new_sender().send("+15551230001", "Hello"))

    assert isinstance(failure, SendError) and failure.outcome_unknown
    assert TIMEOUT - 0.1 < seconds < TIMEOUT + SLACK
    assert len(fake_twilio.requests) == 1
    assert skipped_time.waits == []


def test_answer_trickling_in_ends_at_the_deadline_and_leaves_the_outcome_unknown(
    fake_twilio, new_sender, skipped_time, timed
):
    # Each byte comes well within any read timeout; the whole answer would take minutes.
    fake_twilio.reply(trickle(seconds_per_byte=0.2), created())

    failure, seconds = timed(lambda: new_sender().send("+15551230001", "Hello"))

    assert isinstance(failure, SendError) and failure.outcome_unknown
    assert failure.message == OUTCOME_UNKNOWN
    assert TIMEOUT - 0.1 < seconds < TIMEOUT + SLACK
    assert len(fake_twilio.requests) == 1
    assert skipped_time.waits == []


def test_connection_dropped_after_sending_is_never_sent_again(sender, fake_twilio, skipped_time):
    fake_twilio.reply(disconnect(), created())

    with pytest.raises(SendError) as failure:
        sender.send("+15551230001", "Hello")

    assert failure.value.outcome_unknown
    assert len(fake_twilio.requests) == 1
    assert skipped_time.waits == []


def test_refused_connection_is_tried_again_until_the_deadline_knowing_nothing_was_sent(
    settings, unreachable_twilio, new_sender, skipped_time
):
    settings.TWILIO_TIMEOUT_SECONDS = 2

    with pytest.raises(SendError) as failure:
        new_sender().send("+15551230001", "Hello")

    # After a pause of 0.5 s, one of 1 s would leave under MIN_TRY_SECONDS for a try.
    assert skipped_time.waits == [0.5]
    assert failure.value.message == "Could not connect to Twilio."
    assert not failure.value.outcome_unknown


def test_refused_connection_is_tried_four_times_at_most(
    unreachable_twilio, new_sender, skipped_time
):
    with pytest.raises(SendError) as failure:
        new_sender().send("+15551230001", "Hello")  # 10 s deadline

    assert skipped_time.waits == [0.5, 1.0, 2.0]
    assert not failure.value.outcome_unknown


def test_stalled_tls_handshake_ends_at_the_deadline_knowing_nothing_was_sent(
    silent_twilio, new_sender, skipped_time, timed
):
    # urllib3 calls a handshake timeout a read timeout; no byte of the request went out.
    failure, seconds = timed(lambda: new_sender().send("+15551230001", "Hello"))

    assert isinstance(failure, SendError)
    assert failure.message == "Could not connect to Twilio."
    assert not failure.outcome_unknown
    assert TIMEOUT - 0.1 < seconds < TIMEOUT + SLACK
    assert skipped_time.waits == []  # no time left for another try


@pytest.mark.parametrize("setting", ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"])
def test_missing_credentials_are_reported(settings, setting):
    setattr(settings, setting, "")

    with pytest.raises(ImproperlyConfigured, match=setting):
        TwilioSender()


def test_missing_sender_number_and_messaging_service_are_reported(settings):
    settings.TWILIO_FROM_NUMBER = ""
    settings.TWILIO_MESSAGING_SERVICE_SID = ""

    with pytest.raises(ImproperlyConfigured, match="TWILIO_FROM_NUMBER"):
        TwilioSender()


def test_a_timeout_that_is_not_positive_is_reported(settings):
    settings.TWILIO_TIMEOUT_SECONDS = 0

    with pytest.raises(ImproperlyConfigured, match="TWILIO_TIMEOUT_SECONDS"):
        TwilioSender()


def test_signature_made_with_our_auth_token_is_valid():
    signature = RequestValidator("test-auth-token").compute_signature(CALLBACK_URL, WEBHOOK_FIELDS)

    assert is_valid_signature(CALLBACK_URL, WEBHOOK_FIELDS, signature)


def test_forged_signature_is_rejected():
    signature = RequestValidator("someone-else's-token").compute_signature(
        CALLBACK_URL, WEBHOOK_FIELDS
    )

    assert not is_valid_signature(CALLBACK_URL, WEBHOOK_FIELDS, signature)


def test_signature_for_other_fields_is_rejected():
    signature = RequestValidator("test-auth-token").compute_signature(CALLBACK_URL, WEBHOOK_FIELDS)

    assert not is_valid_signature(
        CALLBACK_URL, WEBHOOK_FIELDS | {"MessageStatus": "failed"}, signature
    )


def test_signature_covers_every_value_of_a_repeated_field():
    # What the webhook passes: request.POST, a QueryDict.
    signed = QueryDict("MessageSid=SM1&MessageStatus=delivered&Tag=a&Tag=b")
    signature = RequestValidator("test-auth-token").compute_signature(CALLBACK_URL, signed)

    assert is_valid_signature(CALLBACK_URL, signed, signature)
    for changed in ["Tag=a&Tag=c", "Tag=b", "Tag=a&Tag=b&Tag=c"]:
        forged = QueryDict(f"MessageSid=SM1&MessageStatus=delivered&{changed}")
        assert not is_valid_signature(CALLBACK_URL, forged, signature), changed


def test_no_signature_is_valid_without_an_auth_token(settings):
    settings.TWILIO_AUTH_TOKEN = ""
    # What an attacker can compute when the token is empty.
    signature = RequestValidator("").compute_signature(CALLBACK_URL, WEBHOOK_FIELDS)

    assert not is_valid_signature(CALLBACK_URL, WEBHOOK_FIELDS, signature)


def test_fetching_a_status_asks_twilio_for_the_message_and_reads_it_as_a_report(
    sender, fake_twilio
):
    changed = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)
    fake_twilio.reply(
        fetched("undelivered", error_code=30003, error_message="Unreachable", date_updated=changed)
    )

    report = sender.fetch_status(MESSAGE_SID)

    assert report == {
        "MessageSid": MESSAGE_SID,
        "MessageStatus": "undelivered",
        "ErrorCode": "30003",
        "ErrorMessage": "Unreachable",
        "DateUpdated": "2026-11-29T09:30:00+00:00",
    }
    [request] = fake_twilio.requests
    assert (request.method, request.path) == ("GET", f"{MESSAGES_PATH[:-5]}/{MESSAGE_SID}.json")


def test_a_status_twilio_cannot_give_is_unknown_not_an_error(sender, fake_twilio):
    fake_twilio.reply(error(404, 20404, "The requested resource was not found"))
    assert sender.fetch_status(MESSAGE_SID) is None


def test_a_status_trickling_in_is_unknown_by_the_deadline(fake_twilio, new_sender, timed):
    fake_twilio.reply(trickle(fetched("delivered"), seconds_per_byte=0.2))

    report, seconds = timed(lambda: new_sender().fetch_status(MESSAGE_SID))

    assert report is None
    assert TIMEOUT - 0.1 < seconds < TIMEOUT + SLACK
