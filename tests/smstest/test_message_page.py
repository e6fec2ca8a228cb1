"""A test message's own page has everything about it: the whole text, its SID, where it went
out from, its segments, the timeline, and the links to and from its retries."""

import re
from html import unescape

import pytest
from django.urls import reverse
from django_htmx.http import HTMX_STOP_POLLING

from sms.models import Message, Status
from tests.factories import MessageFactory

from .helpers import HTMX, message_url

pytestmark = pytest.mark.django_db

LONG_BODY = "First line of a long test.\nSecond line " + "with more words " * 12 + "and the end."
SID = "SM" + "0123456789abcdef" * 2


@pytest.fixture
def delivered(user):
    return MessageFactory(
        user=user,
        body=LONG_BODY,
        segments=2,
        encoding="GSM-7",
        status=Status.DELIVERED,
        twilio_sid=SID,
        sender="+15005550006",
    )


def page(client, message):
    return client.get(message_url(message)).content.decode()


def test_the_page_shows_the_whole_text_with_its_line_breaks(user_client, delivered):
    html = page(user_client, delivered)

    body = re.search(r'<p class="message-body message-body-full">(.*?)</p>', html, re.S)
    assert body and body.group(1) == LONG_BODY  # not cut, the line break kept
    assert "…" not in body.group(1)


def test_the_page_shows_the_sid_as_selectable_code(user_client, delivered):
    html = page(user_client, delivered)

    assert f'<dt>Twilio SID</dt><dd><code class="code sid">{SID}</code></dd>' in html


@pytest.mark.parametrize(
    ("sender", "shown"),
    [("+15005550006", "(500) 555-0006"), ("MG" + "f" * 32, "Messaging Service MG" + "f" * 32)],
    ids=["number", "messaging-service"],
)
def test_the_page_shows_where_the_message_went_out_from(user_client, user, sender, shown):
    message = MessageFactory(user=user, status=Status.SENT, sender=sender, twilio_sid=SID)

    html = page(user_client, message)

    assert f"<dt>Sent from</dt><dd>{shown}</dd>" in html


def test_before_twilio_answers_the_sender_and_sid_are_not_known_yet(user_client, user):
    message = MessageFactory(user=user, status=Status.PENDING)

    html = page(user_client, message)

    assert "<dt>Sent from</dt><dd>Not known yet</dd>" in html
    assert "<dt>Twilio SID</dt><dd>Not known yet</dd>" in html


def test_a_message_twilio_never_created_says_so_instead_of_a_sid(user_client, user):
    message = MessageFactory(user=user, status=Status.FAILED, error_message="Could not connect.")

    html = page(user_client, message)

    assert "<dt>Twilio SID</dt><dd>None: Twilio did not create this message</dd>" in html


def test_the_page_shows_segments_encoding_and_the_timeline(user_client, delivered):
    html = page(user_client, delivered)

    assert "<dt>Segments</dt><dd>2 segments, GSM-7</dd>" in html
    assert '<ol class="timeline" aria-label="Delivery steps">' in html


def test_a_message_and_its_retries_link_to_each_other(user_client, user):
    first = MessageFactory(user=user, status=Status.UNDELIVERED, error_code=30003)
    second = MessageFactory(user=user, retry_of=first, status=Status.FAILED, error_code=30006)
    third = MessageFactory(user=user, retry_of=first, status=Status.DELIVERED)

    first_page = page(user_client, first)
    second_page = page(user_client, second)

    retried_as = re.search(r"<dt>Retried as</dt><dd>(.*?)</dd>", first_page, re.S).group(1)
    assert f'href="{message_url(second)}"' in retried_as
    assert f'href="{message_url(third)}"' in retried_as
    assert "(Delivered)" in retried_as
    retry_of = re.search(r"<dt>Retry of</dt><dd>(.*?)</dd>", second_page, re.S).group(1)
    assert f'href="{message_url(first)}"' in retry_of
    assert "(Undelivered)" in retry_of
    assert "Retry of" not in first_page and "Retried as" not in page(user_client, third)


def test_cards_in_lists_stay_short(user_client, user, delivered):
    html = user_client.get(reverse("smstest:panel"), **HTMX).content.decode()

    card = re.search(
        rf'<article class="message-card" id="message-{delivered.pk}".*?</article>', html, re.S
    )
    assert card
    assert LONG_BODY not in card.group(0)
    assert "…" in card.group(0)
    assert "Twilio SID" not in card.group(0)


def test_the_page_polls_for_its_detailed_card_and_gets_it(user_client, user):
    message = MessageFactory(user=user, status=Status.SENT, twilio_sid=SID, body="a\nb")

    html = page(user_client, message)
    poll = re.search(r'hx-get="([^"]+)" hx-trigger="every 2s"', html)
    poll_url = unescape(poll.group(1))
    assert poll_url == f"{message_url(message)}?detailed=1&seen={message.poll_version}"
    assert user_client.get(poll_url, **HTMX).status_code == 204  # nothing new yet

    Message.objects.record_status_report({"MessageSid": SID, "MessageStatus": "sent"})
    response = user_client.get(poll_url, **HTMX)
    card = response.content.decode()
    assert response.status_code == 200
    assert card.lstrip().startswith('<article class="message-card message-card-detailed"')
    assert f'<code class="code sid">{SID}</code>' in card
    assert '<p class="message-body message-body-full">a\nb</p>' in card
    assert "<html" not in card


def test_a_polled_card_for_a_list_stays_short(user_client, user, delivered):
    response = user_client.get(message_url(delivered), **HTMX)
    card = response.content.decode()

    assert response.status_code == HTMX_STOP_POLLING
    assert 'class="message-card"' in card and "Twilio SID" not in card


def test_retry_on_the_message_page_opens_the_new_messages_page(user_client, user):
    failed = MessageFactory(user=user, status=Status.UNDELIVERED, error_code=30003)

    html = page(user_client, failed)
    form = re.search(r'<form method="post" action="[^"]*/retry/"[^>]*>', html, re.S).group(0)

    # A plain form: the page of the first message must not turn into the second one's card.
    assert "hx-post" not in form
    # In lists the card swaps itself for the new one.
    panel = user_client.get(reverse("smstest:panel"), **HTMX).content.decode()
    assert f'hx-post="{reverse("smstest:retry", args=[failed.pk])}"' in panel
