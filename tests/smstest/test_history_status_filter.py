"""The history's status filter offers the states people understand, and old links to a
single status still land on its group."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sms.models import Message, Status
from smstest.views import STATUS_GROUPS
from tests.factories import MessageFactory, PhoneNumberFactory

from .helpers import HTMX, selected_option

pytestmark = pytest.mark.django_db

HISTORY = reverse("smstest:history")


def listed_bodies(html):
    return re.findall(r'<td class="col-message">(.*?)</td>', html)


def status_options(html):
    select = re.search(r'<select id="filter-status" name="status">(.*?)</select>', html, re.S)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


@pytest.fixture
def one_of_each(user):
    """A test in every status, its body named after it, a second apart."""
    phone = PhoneNumberFactory(user=user, verified=True)
    for n, status in enumerate(Status.values):
        message = MessageFactory(user=user, phone=phone, body=status, status=status)
        Message.objects.filter(pk=message.pk).update(
            created_at=timezone.now() - timedelta(seconds=100 - n)
        )


def test_the_status_filter_offers_only_states_people_understand(user_client):
    html = user_client.get(HISTORY).content.decode()

    assert status_options(html) == [
        ("", "All statuses"),
        ("delivered", "Delivered"),
        ("not-delivered", "Not delivered"),
        ("unknown", "Outcome unknown"),
        ("on-the-way", "On its way"),
    ]
    for jargon in ("Handing to Twilio", "Accepted", "Scheduled", "Canceled"):
        assert jargon not in html


def test_every_status_is_in_exactly_one_group():
    grouped = [status for group in STATUS_GROUPS for status in group.statuses]
    assert sorted(grouped) == sorted(Status.values)


@pytest.mark.parametrize(
    ("group", "listed"),
    [
        ("delivered", ["delivered"]),
        ("not-delivered", ["canceled", "failed", "undelivered"]),
        ("unknown", ["unknown"]),
        (
            "on-the-way",
            ["sent", "sending", "queued", "scheduled", "accepted", "submitting", "pending"],
        ),
    ],
)
def test_each_group_lists_its_statuses(user_client, one_of_each, group, listed):
    response = user_client.get(HISTORY, {"status": group}, **HTMX)

    assert sorted(listed_bodies(response.content.decode())) == sorted(listed)


@pytest.mark.parametrize(
    ("old", "group"),
    [
        ("failed", "not-delivered"),
        ("canceled", "not-delivered"),
        ("submitting", "on-the-way"),
        ("sent", "on-the-way"),
        ("delivered", "delivered"),
        ("unknown", "unknown"),
    ],
)
def test_an_old_link_to_one_status_shows_its_group(user_client, one_of_each, old, group):
    html = user_client.get(HISTORY, {"status": old}).content.decode()

    assert selected_option(html.replace('id="filter-status" ', ""), "status") == group
    listed_group = next(g for g in STATUS_GROUPS if g.value == group)
    assert sorted(listed_bodies(html)) == sorted(listed_group.statuses)


def test_an_unknown_status_in_the_url_shows_everything(user_client, one_of_each):
    html = user_client.get(HISTORY, {"status": "exploded"}).content.decode()

    assert len(listed_bodies(html)) == len(Status.values)
    assert '<option value="">All statuses</option>' in html


def test_page_links_keep_the_status_group(user_client, user):
    phone = PhoneNumberFactory(user=user, verified=True)
    MessageFactory.create_batch(26, user=user, phone=phone, status=Status.FAILED)

    html = user_client.get(HISTORY, {"status": "failed"}).content.decode()

    older = re.search(r'<a href="([^"]*)">Older', html).group(1)
    assert older.startswith("?status=not-delivered&") and older.endswith("page=2")
