"""The background send: at most once, after re-checking the rules, never blaming the wrong side."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from sms.models import Message, StaffAlert, Status
from sms.senders import BaseSender, SendError
from sms.tasks import send_message, status_callback_url
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


class MisconfiguredSender(BaseSender):
    """Twilio refusing because the account may not send to this country (21408)."""

    def send(self, to, body, status_callback=None):
        raise SendError("Permission to send an SMS has not been enabled for the region", code=21408)


@pytest.fixture
def misconfigured(settings):
    settings.SMS_SENDER = "tests.sms.test_tasks.MisconfiguredSender"
    settings.ADMINS = [("Ops", "ops@example.com")]


def test_the_status_callback_carries_our_opaque_message_id(sms_outbox):
    message = MessageFactory()
    send_message.call(message.pk)
    [sent] = sms_outbox
    assert sent.status_callback == (
        f"https://sms.example.test/webhooks/twilio/status/?m={message.public_id}"
    )
    assert sent.status_callback == status_callback_url(message)


def test_a_message_is_handed_over_at_most_once(sms_outbox):
    message = MessageFactory()
    send_message.call(message.pk)
    send_message.call(message.pk)
    assert len(sms_outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.QUEUED, 1)


def test_a_region_turned_off_after_queueing_stops_the_send(settings, sms_outbox):
    message = MessageFactory(to_number="+447911123456")
    settings.PHONE_ALLOWED_REGIONS = ["US", "CA"]
    send_message.call(message.pk)
    message.refresh_from_db()
    assert sms_outbox == []
    assert message.status == Status.FAILED
    assert message.error_message == (
        "SMS to United Kingdom are turned off on this site. Nothing was sent."
    )
    assert message.error.explanation == message.error_message


def test_a_premium_rate_number_is_never_texted(sms_outbox):
    # +1 900: premium rate in the North American plan.
    message = MessageFactory(to_number="+19002000000")
    send_message.call(message.pk)
    message.refresh_from_db()
    assert sms_outbox == []
    assert message.status == Status.FAILED
    assert "premium-rate" in message.error_message


def test_a_cancelled_message_is_not_sent_by_a_worker_that_comes_later(sms_outbox):
    message = MessageFactory()
    assert Message.objects.filter(pk=message.pk).cancel_pending("No longer wanted.") == 1
    send_message.call(message.pk)
    message.refresh_from_db()
    assert sms_outbox == []
    assert (message.status, message.error_message) == (Status.FAILED, "No longer wanted.")


def test_a_claimed_message_cannot_be_cancelled_any_more(sms_outbox):
    message = MessageFactory()
    assert message.claim_for_sending()
    assert Message.objects.filter(pk=message.pk).cancel_pending("Too late.") == 0


def test_a_configuration_error_is_logged_and_mailed_to_admins_once_an_hour(
    misconfigured, mailoutbox, caplog
):
    for _ in range(3):
        send_message.call(MessageFactory().pk)
    assert [m.subject for m in mailoutbox] == [
        "[Django] Twilio error 21408: Sending to this country is not enabled"
    ]
    assert "not mailed for an hour" in mailoutbox[0].body
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    repeats = [r for r in caplog.records if "staff were told within the last hour" in r.message]
    assert len(errors) == 1 and "21408" in errors[0].getMessage()
    assert len(repeats) == 2 and repeats[0].levelname == "WARNING"

    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        send_message.call(MessageFactory().pk)
    assert len(mailoutbox) == 2
    assert StaffAlert.objects.get().key == "twilio-21408"


def test_a_configuration_error_reported_by_a_callback_alerts_staff_after_the_commit(
    settings, mailoutbox, committed
):
    settings.ADMINS = [("Ops", "ops@example.com")]
    message = MessageFactory(twilio_sid="SM" + "d" * 32, status=Status.QUEUED)
    with committed():
        Message.objects.record_status_report(
            {"MessageSid": message.twilio_sid, "MessageStatus": "failed", "ErrorCode": "30034"}
        )
        assert mailoutbox == []  # not while the message's row is locked
    [mail] = mailoutbox
    assert "30034" in mail.subject


def test_an_error_of_the_number_does_not_alert_staff(settings, mailoutbox):
    settings.ADMINS = [("Ops", "ops@example.com")]
    message = MessageFactory(twilio_sid="SM" + "e" * 32, status=Status.QUEUED)
    Message.objects.record_status_report(
        {"MessageSid": message.twilio_sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    )
    assert mailoutbox == []


def test_quotas_count_what_may_have_cost_money_but_not_what_surely_sent_nothing():
    counted = [
        MessageFactory(status=Status.PENDING),
        MessageFactory(status=Status.SUBMITTING),
        MessageFactory(status=Status.UNKNOWN),
        MessageFactory(status=Status.UNDELIVERED, twilio_sid="SM" + "1" * 32),
        MessageFactory(status=Status.DELIVERED, twilio_sid="SM" + "2" * 32),
    ]
    MessageFactory(status=Status.FAILED, error_code=21211)  # refused by Twilio
    MessageFactory(status=Status.FAILED)  # never left us
    assert set(Message.objects.handed_over()) == set(counted)
