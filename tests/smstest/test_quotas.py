from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from sms.models import Message
from smstest.models import quota_wait
from tests.factories import MessageFactory, PhoneNumberFactory, UserFactory
from tests.sms.fake_twilio import created, error
from tests.threads import run_together

from .helpers import message_url

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def send_at(moment, **kwargs):
    return MessageFactory(created_at=moment, **kwargs)


@time_machine.travel(NOW, tick=False)
def test_sixth_test_in_ten_minutes_must_wait_for_the_oldest_to_expire():
    user = UserFactory()
    for minute in range(5):
        phone = PhoneNumberFactory(user=user, verified=True)
        send_at(NOW - timedelta(minutes=9 - minute), user=user, phone=phone)
    other = PhoneNumberFactory(user=user, verified=True)
    assert quota_wait(user, other.number) == 60


@time_machine.travel(NOW, tick=False)
def test_under_every_limit_there_is_no_wait():
    message = send_at(NOW - timedelta(minutes=1))
    assert quota_wait(message.user, message.to_number) == 0


@time_machine.travel(NOW, tick=False)
def test_daily_limit_counts_the_last_24_hours():
    user = UserFactory()
    phone = PhoneNumberFactory(user=user, verified=True)
    for hour in range(20):
        send_at(
            NOW - timedelta(hours=23, minutes=30) + timedelta(minutes=hour), user=user, phone=phone
        )
    assert quota_wait(user, phone.number) == 30 * 60


@time_machine.travel(NOW, tick=False)
def test_a_number_receives_at_most_three_tests_per_ten_minutes_from_anyone():
    target = PhoneNumberFactory(verified=True)
    for minute in (1, 2, 3):
        send_at(NOW - timedelta(minutes=minute), user=target.user, phone=target)
    assert quota_wait(UserFactory(), target.number) == 7 * 60


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_cannot_both_squeeze_under_the_quota(settings, sms_outbox):
    settings.SMS_TESTS_PER_USER_PER_10_MINUTES = 1
    phone = PhoneNumberFactory(verified=True)
    data = {"phone": phone.pk, "template": "custom", "body": "Race"}
    clients = [Client() for _ in range(2)]
    for client in clients:
        client.force_login(phone.user)

    responses = run_together(*(lambda c=c: c.post(reverse("smstest:send"), data) for c in clients))

    # One went to its new message's page; the other got the panel page back, refused.
    message = Message.objects.get(user=phone.user)
    sent = [r for r in responses if r.status_code == 302]
    refused = [r for r in responses if r.status_code == 200]
    assert [r.url for r in sent] == [message_url(message)]
    assert len(refused) == 1
    assert "The next test is allowed at" in refused[0].content.decode()
    assert Message.objects.filter(user=phone.user).count() == 1
    assert [sms.body for sms in sms_outbox] == ["Race"]  # real commits: the one queued went


def send_test(client, phone, body):
    data = {"phone": phone.pk, "template": "custom", "body": body}
    return client.post(reverse("smstest:send"), data)


@pytest.fixture
def one_test_per_ten_minutes(settings):
    settings.SMS_TESTS_PER_USER_PER_10_MINUTES = 1


def test_a_test_twilio_refuses_gives_its_quota_back(
    user_client, user, twilio, committed, one_test_per_ten_minutes
):
    phone = PhoneNumberFactory(user=user, primary=True)
    twilio.reply(error(400, 21211, "The 'To' number is not a valid phone number."), created())

    with committed():
        send_test(user_client, phone, "first")
    refused = Message.objects.get(body="first")
    assert (refused.status, refused.error_code, refused.twilio_sid) == ("failed", 21211, None)
    assert quota_wait(user, phone.number) == 0

    with committed():
        response = send_test(user_client, phone, "second")

    second = Message.objects.get(body="second")
    assert response.status_code == 302
    assert second.status == "queued" and second.twilio_sid
    assert [request.fields["Body"] for request in twilio.requests] == ["first", "second"]


@pytest.mark.parametrize(
    "reply",
    [created(), error(500, 20500, "Internal Server Error")],
    ids=["accepted", "outcome-unknown"],
)
def test_a_test_twilio_may_have_sent_keeps_counting(
    user_client, user, twilio, committed, one_test_per_ten_minutes, reply
):
    phone = PhoneNumberFactory(user=user, primary=True)
    twilio.reply(reply)

    with committed():
        send_test(user_client, phone, "first")
    assert quota_wait(user, phone.number) > 0

    with committed():
        response = send_test(user_client, phone, "second")

    assert response.status_code == 200
    assert "The next test is allowed at" in response.content.decode()
    assert len(twilio.requests) == 1


def test_a_test_cancelled_before_sending_gives_its_quota_back(user, one_test_per_ten_minutes):
    phone = PhoneNumberFactory(user=user, verified=True)
    queued = MessageFactory(user=user, phone=phone)
    other = PhoneNumberFactory(user=user, verified=True)
    assert quota_wait(user, other.number) > 0

    phone.remove()  # drops the test no worker has sent yet

    queued.refresh_from_db()
    assert queued.status == "failed"
    assert quota_wait(user, other.number) == 0
