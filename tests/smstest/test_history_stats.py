"""The history's 30-day figures cost the same whatever the number of messages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sms.models import Message, Status
from smstest.views import delivery_stats
from tests.factories import MessageFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db


def delivered_after(user, phone, seconds):
    now = timezone.now()
    return MessageFactory(
        user=user,
        phone=phone,
        status=Status.DELIVERED,
        created_at=now - timedelta(seconds=seconds),
        delivered_at=now,
    )


@pytest.mark.parametrize(("seconds", "median"), [([2, 4, 9], 4), ([2, 4, 6, 30], 5), ([7], 7)])
def test_the_median_time_to_delivery_is_the_middle_one_or_the_mean_of_the_two(
    user, seconds, median
):
    phone = PhoneNumberFactory(user=user, verified=True)
    for took in seconds:
        delivered_after(user, phone, took)
    MessageFactory(user=user, phone=phone, status=Status.UNDELIVERED)
    stats = delivery_stats(Message.objects.filter(user=user))
    assert stats["median_seconds"] == pytest.approx(median, abs=0.01)
    assert stats["delivered"] == len(seconds) and stats["failed"] == 1
    assert stats["delivery_rate"] == round(100 * len(seconds) / (len(seconds) + 1))


def test_the_history_page_makes_as_many_queries_for_200_messages_as_for_2(
    user_client, user, django_assert_max_num_queries
):
    phone = PhoneNumberFactory(user=user, verified=True)
    for took in (3, 5):
        delivered_after(user, phone, took)
    with django_assert_max_num_queries(12) as few:
        user_client.get(reverse("smstest:history"))
    for n in range(198):
        delivered_after(user, phone, n + 1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        user_client.get(reverse("smstest:history"))
