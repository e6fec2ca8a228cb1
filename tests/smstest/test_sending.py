"""Handing test messages to the sender: at most once, only to verified numbers."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import default_task_backend

from sms.models import Message, Status
from sms.tasks import check_delivery, send_message
from tests.factories import MessageFactory, PhoneNumberFactory
from tests.sms.fake_twilio import created, error, fetched
from tests.threads import run_together

from .helpers import message_url


@pytest.mark.django_db
def test_send_stores_sid_and_initial_status_and_passes_status_callback(sms_outbox):
    message = MessageFactory()
    send_message.call(message.pk)
    message.refresh_from_db()
    assert len(sms_outbox) == 1
    sent = sms_outbox[0]
    assert sent.to == str(message.to_number)
    assert sent.body == message.body
    # The callback URL carries the message's opaque id, so a report finds it without a SID.
    assert sent.status_callback == (
        f"https://sms.example.test/webhooks/twilio/status/?m={message.public_id}"
    )
    assert message.twilio_sid == sent.sid
    assert message.status == Status.QUEUED
    assert message.attempts == 1
    assert list(message.status_reports.values_list("status", flat=True)) == ["queued"]


@pytest.mark.django_db
def test_running_the_task_twice_sends_once(sms_outbox):
    message = MessageFactory()
    send_message.call(message.pk)
    send_message.call(message.pk)
    assert len(sms_outbox) == 1
    assert Message.objects.get(pk=message.pk).attempts == 1


@pytest.mark.django_db
def test_worker_restarted_mid_send_does_not_send_again(sms_outbox):
    """A claimed message whose worker died is never handed over again."""
    message = MessageFactory(status=Status.SUBMITTING, attempts=1)
    send_message.call(message.pk)
    assert sms_outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize("loses_it", ["taken_over", "removed"])
def test_number_that_lost_verification_is_not_texted(sms_outbox, loses_it):
    """A test queued before its number lost verification (taken over by another account,
    or removed) is dropped before any worker hands it over."""
    phone = PhoneNumberFactory(verified=True)
    message = MessageFactory(user=phone.user, phone=phone)
    if loses_it == "taken_over":
        phone.lose_verification()
    else:
        phone.remove()
    send_message.call(message.pk)
    message.refresh_from_db()
    assert sms_outbox == []
    assert message.status == Status.FAILED
    assert message.attempts == 0
    assert "no longer verified" in message.error_message


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_one_message_twice(sms_outbox):
    message = MessageFactory()
    run_together(*[lambda: send_message.call(message.pk)] * 2)
    assert len(sms_outbox) == 1
    assert Message.objects.get(pk=message.pk).attempts == 1


@pytest.mark.django_db
def test_retry_creates_linked_message_with_same_text():
    failed = MessageFactory(status=Status.UNDELIVERED, error_code=30003)
    retry = failed.retry()
    assert retry.retry_of == failed
    assert retry.body == failed.body
    assert retry.to_number == failed.to_number
    assert retry.status == Status.PENDING


@pytest.mark.django_db
def test_message_left_submitting_by_a_dead_worker_ends_as_outcome_unknown(user_client, user):
    six_minutes_ago = timezone.now() - timedelta(minutes=6)
    stuck = MessageFactory(
        user=user,
        status=Status.SUBMITTING,
        attempts=1,
        created_at=six_minutes_ago,
        submitted_at=six_minutes_ago,
    )
    response = user_client.get(message_url(stuck), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    # Not final: Twilio may have it and report it yet, so the card keeps watching.
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in html
    assert "Outcome unknown" in html
    assert "(the sending worker stopped before Twilio answered)." in html
    assert "Retry" in html
    stuck.refresh_from_db()
    assert stuck.status == Status.UNKNOWN and stuck.outcome_unknown and stuck.attempts == 1


@pytest.mark.django_db
def test_message_still_being_handed_over_keeps_polling(user_client, user):
    sending = MessageFactory(
        user=user, status=Status.SUBMITTING, attempts=1, submitted_at=timezone.now()
    )
    response = user_client.get(message_url(sending), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "every 2s" in response.content.decode()


@pytest.mark.django_db
def test_a_number_twilio_refuses_fails_with_the_code_and_its_explanation(twilio):
    twilio.reply(error(400, 21211, "The 'To' number is not a valid phone number."))
    message = MessageFactory()

    send_message.call(message.pk)

    message.refresh_from_db()
    assert (message.status, message.error_code, message.outcome_unknown) == ("failed", 21211, False)
    assert message.error.title == "Invalid phone number"
    assert len(twilio.requests) == 1


@pytest.mark.django_db
def test_a_server_error_ends_once_as_outcome_unknown_and_is_never_resent(twilio):
    twilio.reply(error(500, 20500, "Internal Server Error"), created())
    message = MessageFactory()

    send_message.call(message.pk)
    send_message.call(message.pk)

    message.refresh_from_db()
    assert (message.status, message.outcome_unknown, message.attempts) == ("unknown", True, 1)
    assert message.can_retry
    assert len(twilio.requests) == 1


@pytest.fixture
def deferred_tasks(settings):
    """A task backend that can defer, keeping what is enqueued instead of running it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return default_task_backend.results


@pytest.mark.django_db
def test_after_sending_a_delivery_check_is_deferred_five_minutes(deferred_tasks, sms_outbox):
    message = MessageFactory()

    send_message.call(message.pk)

    [check] = deferred_tasks
    assert check.task.name == "check_delivery" and check.args == [message.pk, 0]
    expected = timezone.now() + timedelta(minutes=5)
    assert abs(check.task.run_after - expected) < timedelta(seconds=5)


@pytest.mark.django_db
def test_a_lost_final_report_is_fetched_with_twilios_delivery_time(twilio):
    message = MessageFactory(status=Status.SENT, twilio_sid="SM" + "7" * 32)
    delivered = (timezone.now() - timedelta(minutes=4)).replace(microsecond=0)
    twilio.reply(fetched("delivered", date_updated=delivered))

    check_delivery.call(message.pk)

    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert message.delivered_at == delivered
    assert message.status_reports.get(status="delivered").raw["source"] == "fetch"


@pytest.mark.django_db
def test_still_no_final_status_asks_again_later_then_gives_up(twilio, deferred_tasks):
    message = MessageFactory(status=Status.SENT, twilio_sid="SM" + "7" * 32)
    twilio.reply(fetched("sent"), fetched("sent"), error(500, 20500, "Internal Server Error"))

    check_delivery.call(message.pk, 0)
    check_delivery.call(message.pk, 1)
    check_delivery.call(message.pk, 2)

    later = [
        (c.args, round((c.task.run_after - c.enqueued_at).total_seconds())) for c in deferred_tasks
    ]
    assert later == [([message.pk, 1], 30 * 60), ([message.pk, 2], 6 * 3600)]
    message.refresh_from_db()
    assert message.status == Status.SENT


@pytest.mark.django_db
def test_a_message_already_final_or_gone_is_not_fetched(twilio):
    message = MessageFactory(status=Status.DELIVERED, twilio_sid="SM" + "7" * 32)
    check_delivery.call(message.pk)
    check_delivery.call(message.pk + 1000)
    assert twilio.requests == []
