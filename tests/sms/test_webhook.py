"""Twilio's status callbacks, signed exactly as Twilio signs them."""

import threading

import pytest
from django.db import connection
from django.test import Client
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
