"""TwilioSender through the real twilio SDK, against the local fake of Twilio's API."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from twilio.request_validator import RequestValidator

from sms.senders import SendError, SendResult
from sms.senders.twilio import TwilioSender, is_valid_signature

from tests.sms.fake_twilio import created, disconnect, error, fetched, hang

ACCOUNT_SID = "AC" + "0" * 32  # tests/settings.py
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
MESSAGE_SID = "SM" + "5" * 32
CALLBACK_URL = "https://sms.example.test/webhooks/twilio/status/"
WEBHOOK_FIELDS = {"MessageSid": MESSAGE_SID, "MessageStatus": "delivered", "To": "+15551230001"}


@pytest.fixture
def waits():
    """The pauses the sender made between tries, in seconds (taken without waiting)."""
    return []


@pytest.fixture
def sender(fake_twilio, waits):
    return TwilioSender(sleep=waits.append)


def test_sends_message_from_our_number_with_status_callback(sender, fake_twilio, waits):
    fake_twilio.reply(created(sid=MESSAGE_SID))

    result = sender.send("+15551230001", "Hello from tests", status_callback=CALLBACK_URL)

    assert result == SendResult(sid=MESSAGE_SID, status="queued")
    [request] = fake_twilio.requests
    assert (request.method, request.path) == ("POST", MESSAGES_PATH)
    assert request.auth == (ACCOUNT_SID, "test-auth-token")
    assert request.fields == {
        "To": "+15551230001",
        "From": "+15005550006",
        "Body": "Hello from tests",
        "StatusCallback": CALLBACK_URL,
    }
    assert waits == []


def test_sends_no_status_callback_when_none_is_given(sender, fake_twilio):
    fake_twilio.reply(created())

    sender.send("+15551230001", "Hello")

    [request] = fake_twilio.requests
    assert "StatusCallback" not in request.fields


def test_messaging_service_is_used_instead_of_from_number(settings, fake_twilio, waits):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32
    fake_twilio.reply(created(sid=MESSAGE_SID))

    result = TwilioSender(sleep=waits.append).send("+15551230001", "Hello")

    [request] = fake_twilio.requests
    assert request.fields["MessagingServiceSid"] == "MG" + "1" * 32
    assert "From" not in request.fields
    assert result == SendResult(sid=MESSAGE_SID, status="accepted")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (21211, "The 'To' number +1555 is not a valid phone number."),
        (21610, "Attempt to send to unsubscribed recipient"),
        (21614, "'To' number is not a valid mobile number"),
    ],
)
def test_permanent_error_fails_at_once_with_twilio_code_and_message(
    sender, fake_twilio, waits, code, message
):
    fake_twilio.reply(error(400, code, message))

    with pytest.raises(SendError) as failure:
        sender.send("+1555", "Hello")

    assert (failure.value.code, failure.value.message) == (code, message)
    assert not failure.value.outcome_unknown
    assert len(fake_twilio.requests) == 1
    assert waits == []


def test_rate_limited_message_is_sent_again_after_the_wait_twilio_asks_for(
    sender, fake_twilio, waits
):
    fake_twilio.reply(
        error(429, 20429, "Too Many Requests", headers={"Retry-After": "2"}),
        created(sid=MESSAGE_SID),
    )

    result = sender.send("+15551230001", "Hello")

    assert result.sid == MESSAGE_SID
    assert len(fake_twilio.requests) == 2
    assert waits == [2.0]


def test_retry_after_is_capped(sender, fake_twilio, waits):
    fake_twilio.reply(
        error(429, 20429, "Too Many Requests", headers={"Retry-After": "3600"}), created()
    )

    sender.send("+15551230001", "Hello")

    assert waits == [30.0]


def test_unavailable_twilio_is_tried_four_times_with_growing_waits_then_fails(
    sender, fake_twilio, waits
):
    fake_twilio.reply(*[error(503, 20503, "Service Unavailable")] * 4)

    with pytest.raises(SendError) as failure:
        sender.send("+15551230001", "Hello")

    assert len(fake_twilio.requests) == 4
    assert waits == [0.5, 1.0, 2.0]
    assert (failure.value.code, failure.value.message) == (20503, "Service Unavailable")
    assert not failure.value.outcome_unknown


def test_server_error_is_never_sent_again_and_leaves_the_outcome_unknown(
    sender, fake_twilio, waits
):
    fake_twilio.reply(error(500, 20500, "Internal Server Error"), created())

    with pytest.raises(SendError) as failure:
        sender.send("+15551230001", "Hello")

    assert failure.value.outcome_unknown
    assert failure.value.message == "Twilio did not confirm the message (outcome unknown)"
    assert len(fake_twilio.requests) == 1
    assert waits == []


def test_read_timeout_is_never_sent_again_and_leaves_the_outcome_unknown(
    settings, fake_twilio, waits
):
    settings.TWILIO_TIMEOUT_SECONDS = 0.3
    fake_twilio.reply(hang(), created())

    with pytest.raises(SendError) as failure:
        TwilioSender(sleep=waits.append).send("+15551230001", "Hello")

    assert failure.value.outcome_unknown
    assert len(fake_twilio.requests) == 1
    assert waits == []


def test_connection_dropped_after_sending_is_never_sent_again(sender, fake_twilio, waits):
    fake_twilio.reply(disconnect(), created())

    with pytest.raises(SendError) as failure:
        sender.send("+15551230001", "Hello")

    assert failure.value.outcome_unknown
    assert len(fake_twilio.requests) == 1
    assert waits == []


def test_refused_connection_is_tried_again_then_fails_knowing_nothing_was_sent(
    unreachable_twilio, waits
):
    with pytest.raises(SendError) as failure:
        TwilioSender(sleep=waits.append).send("+15551230001", "Hello")

    assert waits == [0.5, 1.0, 2.0]
    assert failure.value.message == "Could not connect to Twilio."
    assert not failure.value.outcome_unknown


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
