"""A message's status moves only forward, whatever order Twilio's reports arrive in."""

import pytest

from sms.models import Message, Status
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


def report(message, status, **extra):
    return Message.objects.record_status_report(
        {"MessageSid": message.twilio_sid, "MessageStatus": status, **extra}
    )


@pytest.fixture
def message():
    return MessageFactory(twilio_sid="SM" + "a" * 32, status=Status.QUEUED)


def test_reports_move_status_forward_and_set_delivered_at(message):
    report(message, "sent")
    report(message, "delivered")
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert message.delivered_at is not None
    assert message.time_to_delivery.total_seconds() >= 0


def test_late_sent_after_delivered_is_recorded_but_not_applied(message):
    report(message, "delivered")
    report(message, "sent")
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert [e.status for e in message.status_reports.all()] == ["delivered", "sent"]


def test_duplicate_reports_are_harmless(message):
    report(message, "delivered")
    first_delivery = Message.objects.get(pk=message.pk).delivered_at
    report(message, "delivered")
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert message.delivered_at == first_delivery


def test_failure_report_keeps_error_code_and_explains_it(message):
    report(message, "undelivered", ErrorCode="30003")
    message.refresh_from_db()
    assert message.status == Status.UNDELIVERED
    assert message.error_code == 30003
    assert message.can_retry
    assert message.error.code == 30003
    assert message.error.known


def test_final_status_is_not_replaced_by_another_final_status(message):
    report(message, "delivered")
    report(message, "failed", ErrorCode="30008")
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert message.error_code is None


def test_unknown_sid_creates_nothing():
    assert (
        Message.objects.record_status_report({"MessageSid": "SMnope", "MessageStatus": "sent"})
        is None
    )
    assert not Message.objects.exists()


def test_timeline_lists_steps_with_times(message):
    report(message, "queued")
    report(message, "sent")
    steps = Message.objects.with_reports().get(pk=message.pk).timeline()
    assert [(label, state) for label, _, state in steps] == [
        ("Queued", "done"),
        ("Sent", "done"),
        ("Delivered", ""),
    ]


def test_timeline_ends_in_failure_for_undelivered(message):
    report(message, "undelivered", ErrorCode="30003")
    steps = Message.objects.with_reports().get(pk=message.pk).timeline()
    assert steps[-1][0] == "Undelivered"
    assert steps[-1][2] == "failed"
