"""A test whose send got no answer from Twilio: status "unknown", neither sent nor failed."""

import re
import secrets

import pytest
from django.urls import reverse
from django_htmx.http import HTMX_STOP_POLLING

from sms.models import Message, Status
from tests.factories import MessageFactory, PhoneNumberFactory
from tests.sms.fake_twilio import error, hang

from .helpers import message_url

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NEUTRAL_BADGE = re.compile(r'<span class="badge\s*">Outcome unknown</span>')
EXPLANATION = "We could not confirm whether Twilio sent this message"
RETRY_NOTE = "Twilio may have sent the first one: a retry may deliver a second copy."


def unknown_test(user):
    return MessageFactory(
        user=user,
        status=Status.UNKNOWN,
        attempts=1,
        error_message="No answer came back from Twilio.",
    )


@pytest.mark.parametrize("htmx", [False, True], ids=["full-page", "htmx-fragment"])
def test_outcome_unknown_card_has_a_neutral_badge_the_explanation_and_a_retry_with_a_note(
    user_client, user, htmx
):
    message = unknown_test(user)

    response = user_client.get(message_url(message), **(HTMX if htmx else {}))
    html = response.content.decode()

    assert ("<html" in html) is not htmx
    assert f'id="message-{message.pk}"' in html
    assert NEUTRAL_BADGE.search(html)
    assert "badge-danger" not in html
    assert EXPLANATION in html
    assert f'action="{reverse("smstest:retry", args=[message.pk])}"' in html
    assert RETRY_NOTE in html
    # The note is the retry button's description for screen readers.
    assert f'aria-describedby="retry-note-{message.pk}"' in html
    assert f'id="retry-note-{message.pk}"' in html


def test_a_failed_card_keeps_the_danger_badge_and_has_no_second_copy_note(user_client, user):
    message = MessageFactory(user=user, status=Status.FAILED, error_code=30006)

    html = user_client.get(message_url(message), **HTMX).content.decode()

    assert "badge-danger" in html
    assert "Retry" in html
    assert RETRY_NOTE not in html and EXPLANATION not in html


def test_outcome_unknown_card_in_the_panel_is_neutral_too(user_client, user):
    PhoneNumberFactory(user=user, primary=True)
    message = unknown_test(user)

    html = user_client.get(reverse("smstest:panel"), **HTMX).content.decode()

    assert f'id="message-{message.pk}"' in html
    assert NEUTRAL_BADGE.search(html) and "badge-danger" not in html
    assert RETRY_NOTE in html


def test_history_shows_an_outcome_unknown_test_with_the_neutral_badge_of_its_card(
    user_client, user
):
    unknown_test(user)

    html = user_client.get(reverse("smstest:history")).content.decode()

    assert NEUTRAL_BADGE.search(html)


@pytest.fixture
def quick_timeout(settings):
    settings.TWILIO_TIMEOUT_SECONDS = 0.5


@pytest.mark.parametrize(
    "no_answer",
    [hang(), error(500, 20500, "Internal Server Error")],
    ids=["timed-out", "server-error"],
)
def test_a_test_twilio_did_not_answer_ends_unknown_and_a_later_report_delivers_it(
    user_client, user, twilio, quick_timeout, committed, no_answer
):
    phone = PhoneNumberFactory(user=user, primary=True)
    twilio.reply(no_answer)

    with committed():
        response = user_client.post(
            reverse("smstest:send"), {"phone": phone.pk, "template": "custom", "body": "Hi"}
        )

    message = Message.objects.get()
    assert response.status_code == 302
    assert len(twilio.requests) == 1  # asked once, never again by itself
    assert (message.status, message.twilio_sid, message.attempts) == (Status.UNKNOWN, None, 1)
    assert message.error.title == "Outcome unknown"
    card = user_client.get(message_url(message), **HTMX).content.decode()
    assert NEUTRAL_BADGE.search(card) and EXPLANATION in card

    # Twilio had it after all: its callback finds the message by our id and brings the SID.
    sid = "SM" + secrets.token_hex(16)
    Message.objects.record_status_report(
        {"MessageSid": sid, "MessageStatus": "delivered"}, message_id=message.public_id
    )

    message.refresh_from_db()
    assert (message.status, message.twilio_sid) == (Status.DELIVERED, sid)
    assert message.delivered_at is not None
    response = user_client.get(message_url(message), **HTMX)
    card = response.content.decode()
    assert response.status_code == HTMX_STOP_POLLING
    assert ">Delivered</span>" in card
    assert EXPLANATION not in card and RETRY_NOTE not in card


def test_an_outcome_unknown_test_can_be_retried_as_a_new_message(
    user_client, user, committed, sms_outbox
):
    message = unknown_test(user)

    with committed():
        response = user_client.post(reverse("smstest:retry", args=[message.pk]), **HTMX)

    retry = Message.objects.get(retry_of=message)
    assert f'id="message-{retry.pk}"' in response.content.decode()
    assert [sms.body for sms in sms_outbox] == [message.body]
    message.refresh_from_db()
    assert message.status == Status.UNKNOWN  # the first one keeps its own fate
