"""A live card polls every 2 s; a poll that finds nothing new is answered 204 (htmx keeps
the card) after one query of ours, and anything the card shows makes it re-render
(issue 12)."""

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.utils import timezone
from django_htmx.http import HTMX_STOP_POLLING

from sms.models import Message, Status
from tests.factories import MessageFactory

from .helpers import HTMX, message_url, vary

pytestmark = pytest.mark.django_db

SID = "SM" + "b" * 32


def poll_url(client, message):
    """The URL the message's card polls, as the page gives it to htmx."""
    html = client.get(message_url(message)).content.decode()
    poll = re.search(r'hx-get="([^"]+)" hx-trigger="every 2s"', html)
    assert poll, "the card does not poll"
    return unescape(poll.group(1))


@pytest.fixture
def in_flight(user):
    return MessageFactory(user=user, status=Status.SENT, twilio_sid=SID)


def test_a_poll_that_finds_nothing_new_gets_204_after_one_query(
    user_client, in_flight, django_assert_num_queries
):
    url = poll_url(user_client, in_flight)
    user_client.get(url, **HTMX)  # warm-up: the session's user is cached per request only
    # The session, the signed-in user, and the message's row.
    with django_assert_num_queries(3):
        response = user_client.get(url, **HTMX)
    assert response.status_code == 204
    assert response.content == b""
    assert {"HX-Request", "HX-History-Restore-Request"} <= vary(response)


def test_a_new_status_re_renders_the_card_with_a_new_version(user_client, in_flight):
    url = poll_url(user_client, in_flight)
    Message.objects.record_status_report({"MessageSid": SID, "MessageStatus": "sent"})
    Message.objects.record_status_report({"MessageSid": SID, "MessageStatus": "delivered"})
    response = user_client.get(url, **HTMX)
    assert response.status_code == HTMX_STOP_POLLING
    assert "Delivered" in response.content.decode()


def test_a_report_that_does_not_move_the_status_still_reaches_the_timeline(user_client, in_flight):
    url = poll_url(user_client, in_flight)
    before = in_flight.poll_version
    with time_machine.travel(timezone.now() + timedelta(seconds=1)):
        Message.objects.record_status_report({"MessageSid": SID, "MessageStatus": "queued"})
    in_flight.refresh_from_db()
    assert in_flight.status == Status.SENT and in_flight.poll_version != before
    response = user_client.get(url, **HTMX)
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in response.content.decode()
    assert unescape(poll_url(user_client, in_flight)) != url


def test_a_card_unchanged_for_ten_minutes_still_stops_polling(user_client, in_flight):
    url = poll_url(user_client, in_flight)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        response = user_client.get(url, **HTMX)
    assert response.status_code == HTMX_STOP_POLLING
    assert "No final report yet" in response.content.decode()


def test_a_message_stuck_mid_send_is_given_up_even_when_unchanged(user_client, user):
    stuck = MessageFactory(user=user, status=Status.SUBMITTING, submitted_at=timezone.now())
    url = poll_url(user_client, stuck)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = user_client.get(url, **HTMX)
    assert response.status_code == 200
    assert "Outcome unknown" in response.content.decode()
    stuck.refresh_from_db()
    assert stuck.status == Status.UNKNOWN


def test_another_accounts_message_is_404_whatever_the_version(client, in_flight):
    stranger = MessageFactory(status=Status.SENT)
    client.force_login(stranger.user)
    url = poll_url(client, stranger)
    theirs = url.replace(message_url(stranger), message_url(in_flight))
    theirs = re.sub(r"seen=\d+", f"seen={in_flight.poll_version}", theirs)
    assert client.get(theirs, **HTMX).status_code == 404


def test_without_htmx_the_seen_version_is_ignored_and_the_page_shown(user_client, in_flight):
    response = user_client.get(poll_url(user_client, in_flight))
    assert response.status_code == 200
    assert "<html" in response.content.decode()
