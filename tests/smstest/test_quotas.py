from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from sms.models import Message
from tests.factories import PhoneNumberFactory, MessageFactory, UserFactory
from tests.threads import run_together

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
    assert Message.objects.quota_wait(user, other.number) == 60


@time_machine.travel(NOW, tick=False)
def test_under_every_limit_there_is_no_wait():
    message = send_at(NOW - timedelta(minutes=1))
    assert Message.objects.quota_wait(message.user, message.to_number) == 0


@time_machine.travel(NOW, tick=False)
def test_daily_limit_counts_the_last_24_hours():
    user = UserFactory()
    phone = PhoneNumberFactory(user=user, verified=True)
    for hour in range(20):
        send_at(
            NOW - timedelta(hours=23, minutes=30) + timedelta(minutes=hour), user=user, phone=phone
        )
    assert Message.objects.quota_wait(user, phone.number) == 30 * 60


@time_machine.travel(NOW, tick=False)
def test_a_number_receives_at_most_three_tests_per_ten_minutes_from_anyone():
    target = PhoneNumberFactory(verified=True)
    for minute in (1, 2, 3):
        send_at(NOW - timedelta(minutes=minute), user=target.user, phone=target)
    assert Message.objects.quota_wait(UserFactory(), target.number) == 7 * 60


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_cannot_both_squeeze_under_the_quota(settings, sms_outbox):
    settings.SMS_TESTS_PER_USER_PER_10_MINUTES = 1
    phone = PhoneNumberFactory(verified=True)
    data = {"phone": phone.pk, "template": "custom", "body": "Race"}
    clients = [Client() for _ in range(2)]
    for client in clients:
        client.force_login(phone.user)

    landed = run_together(*(lambda c=c: c.post(reverse("smstest:send"), data).url for c in clients))

    # One went to its new message's page; the other was sent back to the form, refused.
    message = Message.objects.get(user=phone.user)
    assert sorted(landed) == sorted([message.get_absolute_url(), reverse("phones:manage")])
    assert Message.objects.filter(user=phone.user).count() == 1
