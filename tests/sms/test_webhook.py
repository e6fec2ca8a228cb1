"""Twilio's status callbacks, signed exactly as Twilio signs them."""

import threading
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from sms.models import Message, Status
from tests.factories import MessageFactory

URL = "/webhooks/twilio/status/"
PUBLIC_URL = "https://sms.example.test/webhooks/twilio/status/"
SID = "SM" + "b" * 32


def signed_post(client, fields, *, token="test-auth-token", url=PUBLIC_URL):
    signature = RequestValidator(token).compute_signature(url, fields)
    return client.post(URL, fields, HTTP_X_TWILIO_SIGNATURE=signature)


def callback(status, **extra):
    return {
        "MessageSid": SID,
        "SmsSid": SID,
        "MessageStatus": status,
        "SmsStatus": status,
        "AccountSid": "AC" + "0" * 32,
        "To": "+14155550100",
        "From": "+15005550006",
        "ApiVersion": "2010-04-01",
        **extra,
    }


@pytest.fixture
def message(db):
    return MessageFactory(twilio_sid=SID, status=Status.QUEUED)


def test_valid_signature_updates_status(client, message):
    response = signed_post(client, callback("delivered"))
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert message.status_reports.get().raw["AccountSid"] == "AC" + "0" * 32


def test_forged_signature_is_rejected(client, message):
    response = signed_post(client, callback("delivered"), token="not-our-token")
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert not message.status_reports.exists()


def test_missing_signature_is_rejected(client, message):
    response = client.post(URL, callback("delivered"))
    assert response.status_code == 403


def test_signature_for_another_url_is_rejected(client, message):
    response = signed_post(
        client, callback("delivered"), url="https://evil.example/webhooks/twilio/status/"
    )
    assert response.status_code == 403


def test_signature_over_other_fields_is_rejected(client, message):
    fields = callback("delivered")
    signature = RequestValidator("test-auth-token").compute_signature(PUBLIC_URL, fields)
    tampered = {**fields, "MessageStatus": "failed"}
    response = client.post(URL, tampered, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403


def test_missing_fields_are_a_bad_request(client, message):
    fields = callback("delivered")
    del fields["MessageStatus"]
    response = signed_post(client, fields)
    assert response.status_code == 400


def test_unknown_sid_is_accepted_and_creates_nothing(client, db):
    response = signed_post(client, callback("delivered"))
    assert response.status_code == 200
    assert not Message.objects.exists()


def test_out_of_order_reports_end_in_the_final_status(client, message):
    for status in ("delivered", "sent", "queued"):
        assert signed_post(client, callback(status)).status_code == 200
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert message.status_reports.count() == 3


def test_duplicate_failure_report_keeps_one_error(client, message):
    for _ in range(2):
        signed_post(client, callback("undelivered", ErrorCode="30003"))
    message.refresh_from_db()
    assert message.status == Status.UNDELIVERED
    assert message.error_code == 30003


def test_webhook_needs_no_csrf_token(message):
    client = Client(enforce_csrf_checks=True)
    assert signed_post(client, callback("sent")).status_code == 200


def test_get_is_not_allowed(client, db):
    assert client.get(URL).status_code == 405


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_callbacks_end_in_the_right_final_status():
    message = MessageFactory(twilio_sid=SID, status=Status.QUEUED)
    statuses = ["sending", "sent", "delivered", "sent", "queued"] * 4
    start = threading.Barrier(len(statuses))
    responses = []

    def twilio(status):
        start.wait()
        try:
            responses.append(signed_post(Client(), callback(status)).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=twilio, args=(status,)) for status in statuses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    message.refresh_from_db()
    assert responses == [200] * 20
    assert message.status == Status.DELIVERED
    assert message.status_reports.count() == 20
    assert message.delivered_at is not None


# Callbacks carry our own message id (?m=<uuid>), so a message whose SID never reached us
# (the send timed out after Twilio created it) still learns its fate.


def test_a_late_callback_moves_a_message_whose_send_timed_out_to_delivered(client, db):
    message = MessageFactory(status=Status.UNKNOWN, error_message="Read timed out.")
    url = f"{PUBLIC_URL}?m={message.public_id}"
    for status in ("sent", "delivered"):
        fields = callback(status)
        signature = RequestValidator("test-auth-token").compute_signature(url, fields)
        response = client.post(
            f"{URL}?m={message.public_id}", fields, HTTP_X_TWILIO_SIGNATURE=signature
        )
        assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert message.twilio_sid == SID
    assert message.error is None and not message.can_retry


def test_a_callback_naming_our_message_with_another_sid_changes_nothing(client, db):
    message = MessageFactory(twilio_sid="SM" + "c" * 32, status=Status.QUEUED)
    url = f"{PUBLIC_URL}?m={message.public_id}"
    fields = callback("failed", ErrorCode="30006")
    signature = RequestValidator("test-auth-token").compute_signature(url, fields)
    response = client.post(
        f"{URL}?m={message.public_id}", fields, HTTP_X_TWILIO_SIGNATURE=signature
    )
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == Status.QUEUED and not message.status_reports.exists()


def test_delivered_with_an_error_code_is_a_success(client, message):
    # Twilio reports some multi-part messages as delivered with ErrorCode 30008.
    assert signed_post(client, callback("delivered", ErrorCode="30008")).status_code == 200
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert message.error is None
    assert not message.can_retry
    assert message.status_reports.get().error_code == 30008


def test_a_signature_over_a_repeated_field_is_checked_over_every_value(client, message):
    fields = QueryDict(mutable=True)
    fields.update(callback("delivered"))
    fields.setlist("Foo", ["b", "a"])
    signature = RequestValidator("test-auth-token").compute_signature(PUBLIC_URL, fields)
    body = fields.urlencode()
    response = client.post(
        URL,
        body,
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert message.status_reports.get().raw["Foo"] == ["b", "a"]


def test_a_repeated_field_with_one_value_changed_is_rejected(client, message):
    fields = QueryDict(mutable=True)
    fields.update(callback("delivered"))
    fields.setlist("Foo", ["b", "a"])
    signature = RequestValidator("test-auth-token").compute_signature(PUBLIC_URL, fields)
    fields.setlist("Foo", ["b", "z"])
    response = client.post(
        URL,
        fields.urlencode(),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "bad",
    [
        {"ErrorCode": "abc"},
        {"ErrorCode": "-5"},
        {"ErrorCode": "99999999999"},
        {"MessageStatus": "d" * 50},
        {"MessageStatus": "Delivered!"},
        {"MessageSid": "SM123"},
        {"MessageSid": "XX" + "b" * 32},
        {"To": "+1415\x00555"},
        {"MessageStatus": "deliv\x00ered"},
    ],
    ids=lambda bad: repr(bad)[:40],
)
def test_malformed_values_in_a_signed_callback_are_a_bad_request_and_change_nothing(
    client, message, bad
):
    response = signed_post(client, callback("delivered") | bad)
    assert response.status_code == 400
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert not message.status_reports.exists()


def test_a_nul_in_a_field_name_is_a_bad_request_and_changes_nothing(client, message):
    response = signed_post(client, callback("failed") | {"E\x00": "x"})
    assert response.status_code == 400
    message.refresh_from_db()
    assert message.status == Status.QUEUED and not message.status_reports.exists()


def test_a_callback_giving_our_message_another_messages_sid_changes_nothing(client, db):
    timed_out = MessageFactory(status=Status.UNKNOWN)
    other = MessageFactory(twilio_sid=SID, status=Status.QUEUED)
    url = f"{PUBLIC_URL}?m={timed_out.public_id}"
    fields = callback("sent")
    signature = RequestValidator("test-auth-token").compute_signature(url, fields)
    response = client.post(
        f"{URL}?m={timed_out.public_id}", fields, HTTP_X_TWILIO_SIGNATURE=signature
    )
    assert response.status_code == 200
    timed_out.refresh_from_db()
    other.refresh_from_db()
    assert (timed_out.status, timed_out.twilio_sid) == (Status.UNKNOWN, None)
    assert other.status == Status.QUEUED and not other.status_reports.exists()


def test_a_report_without_an_error_code_is_stored_as_twilio_sent_it(client, message):
    signed_post(client, callback("sent"))
    assert "ErrorCode" not in message.status_reports.get().raw


def test_a_malformed_message_id_in_the_url_is_a_bad_request(client, message):
    url = f"{PUBLIC_URL}?m=not-a-uuid"
    fields = callback("delivered")
    signature = RequestValidator("test-auth-token").compute_signature(url, fields)
    response = client.post(f"{URL}?m=not-a-uuid", fields, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 400
    message.refresh_from_db()
    assert message.status == Status.QUEUED


@pytest.mark.parametrize(
    ("statuses", "final"),
    [
        (["sent", "read"], Status.DELIVERED),  # read proves delivery
        (["delivered", "read"], Status.DELIVERED),
        (["sent", "partially_delivered"], Status.SENT),
        (["sent", "receiving", "received"], Status.SENT),
        (["sent", "rerouted_by_carrier"], Status.SENT),  # a status Twilio may add later
        (["delivered", "partially_delivered", "sent"], Status.DELIVERED),
    ],
)
def test_other_statuses_are_recorded_without_breaking_forward_only(
    client, message, statuses, final
):
    for status in statuses:
        assert signed_post(client, callback(status)).status_code == 200
    message.refresh_from_db()
    assert message.status == final
    assert [r.status for r in message.status_reports.all()] == statuses


field_names = st.sampled_from(
    ["MessageSid", "MessageStatus", "ErrorCode", "ErrorMessage", "To", "From", "Foo"]
) | st.text(max_size=12)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fields=st.lists(st.tuples(field_names, st.text(max_size=60)), max_size=8),
    message_id=st.sampled_from(["", "ours", "other"]) | st.text(max_size=40),
    sid=st.sampled_from([SID, "SM" + "c" * 32]),
)
def test_no_signed_callback_answers_a_server_error(client, message, fields, message_id, sid):
    # Also a callback naming a message by ?m= with another message's SID.
    timed_out = MessageFactory(status=Status.UNKNOWN)
    ids = {"ours": str(message.public_id), "other": str(timed_out.public_id)}
    query = f"?{urlencode({'m': ids.get(message_id, message_id)})}" if message_id else ""
    body = QueryDict(mutable=True)
    body.update({"MessageSid": sid, "MessageStatus": "sent"})
    for name, value in fields:
        body.appendlist(name, value)
    signature = RequestValidator("test-auth-token").compute_signature(PUBLIC_URL + query, body)
    response = client.post(
        URL + query,
        body.urlencode(),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )
    assert response.status_code in (200, 400)
