"""Finding test messages in the admin: search by number or by user, and the date filter."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from sms.models import Message
from tests.factories import MessageFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:sms_message_changelist")


def listed(response):
    """The primary keys of the messages the changelist shows."""
    assert response.status_code == 200
    return {message.pk for message in response.context["cl"].result_list}


@pytest.fixture
def alices_message(user):
    phone = PhoneNumberFactory(user=user, verified=True, number="+14155550123")
    return MessageFactory(user=user, phone=phone)


@pytest.fixture
def bobs_message(other_user):
    phone = PhoneNumberFactory(user=other_user, verified=True, number="+12065550199")
    return MessageFactory(user=other_user, phone=phone)


def test_changelist_without_search_shows_every_message(admin_client, alices_message, bobs_message):
    assert listed(admin_client.get(CHANGELIST)) == {alices_message.pk, bobs_message.pk}


@pytest.mark.parametrize("query", ["+14155550123", "4155550123", "5550123"])
def test_search_by_phone_number_finds_only_messages_to_that_number(
    admin_client, alices_message, bobs_message, query
):
    assert listed(admin_client.get(CHANGELIST, {"q": query})) == {alices_message.pk}


def test_search_finds_every_message_to_a_number_whoever_sent_it(
    admin_client, alices_message, bobs_message, other_user
):
    # Bob later tested the same number (before it was verified on his account).
    shared = PhoneNumberFactory(user=other_user, number="+14155550123")
    bobs_to_shared = MessageFactory(user=other_user, phone=shared)

    found = listed(admin_client.get(CHANGELIST, {"q": "+14155550123"}))

    assert found == {alices_message.pk, bobs_to_shared.pk}


@pytest.mark.parametrize(
    ("query", "owner"),
    [
        ("alice@example.com", "alice"),
        ("bob@example.com", "bob"),
        ("alice", "alice"),
        ("bob", "bob"),
        ("ALICE@EXAMPLE.COM", "alice"),  # case does not matter
    ],
)
def test_search_by_user_email_or_username_finds_only_that_users_messages(
    admin_client, alices_message, bobs_message, query, owner
):
    expected = {"alice": alices_message, "bob": bobs_message}[owner]
    assert listed(admin_client.get(CHANGELIST, {"q": query})) == {expected.pk}


def test_search_for_something_nobody_has_finds_nothing(admin_client, alices_message, bobs_message):
    response = admin_client.get(CHANGELIST, {"q": "carol@example.com"})
    assert listed(response) == set()
    assert "0 results" in response.content.decode()


@pytest.fixture
def today_and_long_ago(user):
    phone = PhoneNumberFactory(user=user, verified=True, number="+14155550123")
    recent = MessageFactory(user=user, phone=phone, body="sent today")
    old = MessageFactory(user=user, phone=phone, body="sent long ago")
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=60))
    return recent, old


def date_filter_link(html, label):
    """The href of one choice of the 'By created at' filter, as the admin renders it."""
    match = re.search(rf'<a href="(\?created_at__[^"]*)"[^>]*>{re.escape(label)}</a>', html)
    assert match, f"no date filter choice {label!r}"
    return unescape(match.group(1))


@pytest.mark.parametrize("label", ["Today", "Past 7 days", "This month"])
def test_date_filter_narrows_the_list_to_recent_messages(admin_client, today_and_long_ago, label):
    recent, _ = today_and_long_ago
    html = admin_client.get(CHANGELIST).content.decode()

    response = admin_client.get(CHANGELIST + date_filter_link(html, label))

    assert listed(response) == {recent.pk}


def test_date_filter_can_be_combined_with_search(admin_client, today_and_long_ago, bobs_message):
    recent, _ = today_and_long_ago
    html = admin_client.get(CHANGELIST).content.decode()
    link = date_filter_link(html, "Past 7 days")

    # Both of today's messages are within the week; the search keeps only Alice's.
    assert listed(admin_client.get(CHANGELIST + link)) == {recent.pk, bobs_message.pk}
    assert listed(admin_client.get(CHANGELIST + link + "&q=alice")) == {recent.pk}


def test_date_filter_by_explicit_range_excludes_messages_outside_it(
    admin_client, today_and_long_ago
):
    _, old = today_and_long_ago
    old.refresh_from_db()
    # The day the old message was sent, as the admin writes it (aware, in the current zone).
    start = timezone.localtime(old.created_at).replace(hour=0, minute=0, second=0, microsecond=0)
    params = {
        "created_at__gte": start.isoformat(),
        "created_at__lt": (start + timedelta(days=1)).isoformat(),
    }
    assert listed(admin_client.get(CHANGELIST, params)) == {old.pk}
