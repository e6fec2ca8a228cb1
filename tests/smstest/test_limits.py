"""The test-message limits are visible before they bite, and a refusal names the limit."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from sms.models import Message, Status
from smstest.models import sending_limits, short_wait, wait_text
from tests.factories import MessageFactory, PhoneNumberFactory, UserFactory

from .helpers import HTMX, message_url

pytestmark = pytest.mark.django_db

PANEL = reverse("smstest:panel")
LIMITS = reverse("smstest:limits")


@pytest.fixture
def now():
    """A fixed moment on a whole minute: the clock stands still in these tests."""
    moment = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(moment, tick=False):
        yield moment


@pytest.fixture
def phone(user):
    return PhoneNumberFactory(user=user, primary=True, number="+14155550123")


def sent(user, phone, *, ago, **fields):
    """A test from `user` to `phone`, sent `ago` (a timedelta) before now."""
    message = MessageFactory(user=user, phone=phone, **fields)
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - ago)
    return message


def at(moment):
    return f"{timezone.localtime(moment):%H:%M}"


# Counting


def test_the_limits_say_how_many_tests_are_left_for_the_number_and_for_the_user(user, phone, now):
    sent(user, phone, ago=timedelta(minutes=2))
    # Someone else's test to this number counts for the number, not for this user.
    theirs = PhoneNumberFactory(user=UserFactory(), verified=True, number="+14155550199")
    sent(theirs.user, theirs, ago=timedelta(minutes=1))
    MessageFactory(user=theirs.user, to_number=phone.number)
    # Older than 10 minutes: counts for the day only.
    sent(user, phone, ago=timedelta(hours=3))

    limits = sending_limits(user, phone.number)

    assert [(q.scope, q.used, q.left, q.limit, q.window_text) for q in limits.quotas] == [
        ("number", 2, 1, 3, "10 minutes"),
        ("user", 1, 4, 5, "10 minutes"),
        ("user", 2, 18, 20, "24 hours"),
    ]
    assert limits.wait_seconds == 0 and limits.refusal is None


def test_a_test_that_surely_sent_nothing_leaves_the_count(user, phone, now):
    sent(user, phone, ago=timedelta(minutes=1), status=Status.FAILED)  # no SID: never left

    assert [q.used for q in sending_limits(user, phone.number).quotas] == [0, 0, 0]


# What a refusal says


def test_over_the_number_limit_the_refusal_names_it_and_when_the_next_is_allowed(user, phone, now):
    for minutes in (7, 5, 3):
        sent(user, phone, ago=timedelta(minutes=minutes))

    refusal = sending_limits(user, phone.number).refusal

    assert refusal == (
        "You have reached the test-message limit. This number has had 3 tests in the last "
        f"10 minutes (the limit). The next test is allowed at {at(now + timedelta(minutes=3))} "
        "(in 3 minutes)."
    )


def test_over_the_users_ten_minute_limit_the_refusal_names_it(user, phone, now):
    for minutes in range(5):
        other = PhoneNumberFactory(user=user, verified=True)
        sent(user, other, ago=timedelta(minutes=9 - minutes, seconds=30))

    refusal = sending_limits(user, phone.number).refusal

    assert "You have sent 5 tests in the last 10 minutes (the limit)." in refusal
    # 30 seconds from now, shown as the next whole minute: never earlier than allowed.
    assert f"allowed at {at(now + timedelta(seconds=30) + timedelta(seconds=30))}" in refusal
    assert refusal.endswith("(in 30 seconds).")


def test_over_the_daily_limit_the_refusal_names_it(user, phone, now, settings):
    settings.SMS_TESTS_PER_USER_PER_DAY = 2
    sent(user, phone, ago=timedelta(hours=20))
    sent(user, phone, ago=timedelta(hours=19))

    refusal = sending_limits(user, phone.number).refusal

    assert "You have sent 2 tests in the last 24 hours (the limit)." in refusal
    assert refusal.endswith("(in 4 hours).")


# The panel shows them


@pytest.mark.parametrize("htmx", [False, True], ids=["full-page", "htmx-fragment"])
def test_the_panel_shows_the_tests_left_before_sending(user_client, user, phone, now, htmx):
    sent(user, phone, ago=timedelta(minutes=1))

    html = user_client.get(PANEL, **(HTMX if htmx else {})).content.decode()

    assert "2 of 3 tests left for this number in the next 10 minutes" in html
    assert "4 of 5 tests left for you in the next 10 minutes" in html
    assert "19 of 20 tests left for you in the next 24 hours" in html
    # Re-counted for another number as soon as it is picked, by an element that stays.
    assert (
        f'hx-get="{LIMITS}" hx-trigger="change from:#id_phone" hx-include="#id_phone"\n'
        '           hx-target="#sms-limits" hx-swap="outerHTML"'
    ) in html


def test_the_limits_follow_the_number_picked(user_client, user, phone, now):
    work = PhoneNumberFactory(user=user, verified=True, number="+14155550145")
    sent(user, phone, ago=timedelta(minutes=1))

    html = user_client.get(LIMITS, {"phone": work.pk}, **HTMX).content.decode()

    assert html.lstrip().startswith('<div class="sms-limits" id="sms-limits"')
    assert "3 of 3 tests left for this number" in html
    assert "4 of 5 tests left for you in the next 10 minutes" in html


def test_a_used_up_number_says_when_the_next_test_to_it_is_allowed_but_other_numbers_stay_open(
    user_client, user, phone, now
):
    for minutes in (7, 5, 3):
        sent(user, phone, ago=timedelta(minutes=minutes))

    html = user_client.get(PANEL, **HTMX).content.decode()

    assert '<li class="quota-used-up">0 of 3 tests left for this number' in html
    assert f"The next test to this number is allowed at {at(now + timedelta(minutes=3))}." in html
    # Another number may still be picked and sent to (even without JavaScript).
    assert re.search(r'<button type="submit" class="button">Send test message</button>', html)
    # The line refreshes itself when the wait is over.
    assert "load delay:180s" in html


def test_with_the_users_own_limit_used_up_the_send_button_waits_and_comes_back(
    user_client, user, phone, now
):
    for minutes in range(5):
        other = PhoneNumberFactory(user=user, verified=True)
        sent(user, other, ago=timedelta(minutes=9, seconds=50 - minutes))

    html = user_client.get(PANEL, **HTMX).content.decode()

    assert "0 of 5 tests left for you in the next 10 minutes" in html
    assert re.search(
        r"<button type=\"submit\" class=\"button\" disabled[^>]*>Send test message", html
    )
    assert f"The next test is allowed at {at(now + timedelta(minutes=1))}." in html
    assert "load delay:10s" in html  # the oldest of the five leaves the window in 10 s

    with time_machine.travel(now + timedelta(seconds=10), tick=False):
        again = user_client.get(LIMITS, {"phone": phone.pk}, **HTMX).content.decode()
    assert '<button type="submit" class="button">Send test message</button>' in again
    assert "load delay" not in again


# Retry waits visibly


@pytest.fixture
def failed(user, phone, now):
    """A failed test Twilio took (it has a SID), so it counts; then two more to the number."""
    first = sent(
        user,
        phone,
        ago=timedelta(minutes=9),
        status=Status.UNDELIVERED,
        error_code=30003,
        twilio_sid="SM" + "a" * 32,
    )
    sent(user, phone, ago=timedelta(minutes=6))
    sent(user, phone, ago=timedelta(minutes=2))
    return first


NUMBER_LIMIT = "This number has had 3 tests in the last 10 minutes (the limit)."


@pytest.mark.parametrize("htmx", [False, True], ids=["full-page", "htmx-fragment"])
def test_over_a_limit_retry_is_disabled_with_a_countdown_and_the_reason(
    user_client, failed, now, htmx
):
    html = user_client.get(message_url(failed), **(HTMX if htmx else {})).content.decode()

    button = re.search(r"<button[^>]*>Retry[^<]*</button>", html).group(0)
    assert " disabled" in button
    assert button.endswith(">Retry in 1 min</button>")
    assert NUMBER_LIMIT in html
    # A re-fetch of the card when the wait is over re-enables it.
    assert re.search(
        rf'hx-get="{message_url(failed)}[^"]*" hx-trigger="load delay:60s" '
        rf'hx-target="#message-{failed.pk}" hx-swap="outerHTML"',
        html,
    )


def test_a_refused_retry_with_htmx_names_the_limit_and_keeps_retry_disabled(
    user_client, failed, now
):
    response = user_client.post(reverse("smstest:retry", args=[failed.pk]), **HTMX)
    html = response.content.decode()

    assert not Message.objects.filter(retry_of=failed).exists()
    alert = re.search(r'<p class="field-error" role="alert">(.*?)</p>', html).group(1)
    assert NUMBER_LIMIT in alert
    assert f"The next test is allowed at {at(now + timedelta(minutes=1))} (in 1 minute)." in alert
    assert re.search(r"<button[^>]* disabled[^>]*>Retry in 1 min</button>", html, re.S)
    assert html.count(NUMBER_LIMIT) == 1  # said once, in the alert


def test_a_refused_retry_without_javascript_shows_the_limit_on_the_message_page(
    user_client, failed, now
):
    response = user_client.post(reverse("smstest:retry", args=[failed.pk]), follow=True)
    html = response.content.decode()

    assert response.redirect_chain[-1][0] == message_url(failed)
    assert NUMBER_LIMIT in html
    assert re.search(r"<button[^>]* disabled[^>]*>Retry in 1 min</button>", html, re.S)


def test_once_the_wait_is_over_the_card_offers_retry_again(user_client, failed, now):
    with time_machine.travel(now + timedelta(minutes=1), tick=False):
        html = user_client.get(message_url(failed), **HTMX).content.decode()

    assert re.search(
        r'<button type="submit" class="button button-secondary button-small"\s*>Retry</button>',
        html,
    )
    assert NUMBER_LIMIT not in html and "load delay" not in html


def test_retry_to_a_number_no_longer_verified_is_disabled_with_the_reason_before_pressing(
    user_client, user, phone
):
    failed = MessageFactory(user=user, phone=phone, status=Status.UNDELIVERED, error_code=30003)
    phone.remove()

    html = user_client.get(message_url(failed)).content.decode()

    assert re.search(r"<button[^>]* disabled[^>]*>Retry</button>", html, re.S)
    assert "This number is no longer verified on your account" in html
    assert "load delay" not in html  # waiting will not help


@pytest.mark.parametrize(
    ("seconds", "sentence", "button"),
    [
        (42, "42 seconds", "42 s"),
        (61, "2 minutes", "2 min"),  # rounded up: never sooner than allowed
        (3600, "1 hour", "1 h"),
        (3 * 3600 + 4 * 60 + 1, "3 hours 5 minutes", "3 h 5 min"),
    ],
)
def test_waits_are_said_in_whole_units_rounded_up(seconds, sentence, button):
    assert wait_text(seconds) == sentence
    assert short_wait(seconds) == button
