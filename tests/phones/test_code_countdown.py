"""A code's time left counts down on the page (app.js reads data-countdown), the server's words
being what a browser without JavaScript shows; at zero htmx asks for the code's state again."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from tests.factories import PhoneNumberFactory

from .conftest import HTMX, words

pytestmark = pytest.mark.django_db

MANAGE = reverse("phones:manage")


@pytest.fixture
def phone(user):
    return PhoneNumberFactory(user=user, number="+12065550101")


def expiry_countdown(html):
    found = re.search(r'<span data-countdown="(\d+)"[^>]*>(.*?)</span>', html, re.S)
    return found and (int(found.group(1)), found.group(0), words(found.group(2)))


def test_a_live_code_counts_down_from_the_seconds_left_with_the_servers_words_as_fallback(
    user_client, phone, send_code, clock
):
    send_code(phone)
    clock.shift(timedelta(minutes=3, seconds=20))
    seconds, span, text = expiry_countdown(user_client.get(MANAGE).content.decode())
    assert seconds == 400
    assert text == "it expires in 7 minutes"
    assert '<time datetime="2026-03-02T12:10:00+00:00" data-countdown-text>' in span


def test_at_zero_the_countdown_says_so_and_htmx_fetches_the_codes_state(
    user_client, phone, send_code, clock
):
    send_code(phone)
    _, span, _ = expiry_countdown(user_client.get(MANAGE).content.decode())
    assert 'data-countdown-end-text="the code has expired"' in span
    assert f'hx-get="{reverse("phones:code_delivery", args=[phone.pk])}"' in span
    assert 'hx-trigger="countdown-end"' in span
    assert f'hx-target="#code-delivery-{phone.pk}" hx-swap="outerHTML"' in span


def test_the_polled_code_state_keeps_counting_down(user_client, phone, send_code, clock):
    send_code(phone)
    clock.shift(timedelta(seconds=90))
    response = user_client.get(reverse("phones:code_delivery", args=[phone.pk]), **HTMX)
    seconds, _, text = expiry_countdown(response.content.decode())
    assert (seconds, text) == (510, "it expires in 9 minutes")


def test_what_htmx_fetches_at_zero_says_the_code_has_expired_and_counts_no_more(
    user_client, phone, send_code, clock
):
    send_code(phone)
    clock.shift(timedelta(minutes=10))
    response = user_client.get(reverse("phones:code_delivery", args=[phone.pk]), **HTMX)
    html = response.content.decode()
    assert "The last code has expired: send a new one." in html
    assert "data-countdown" not in html


def test_a_number_without_a_live_code_has_no_countdown(user_client, phone):
    assert "data-countdown" not in user_client.get(MANAGE).content.decode()


def test_the_resend_button_counts_its_cooldown_down_too(user_client, phone, send_code, clock):
    send_code(phone)
    clock.shift(timedelta(seconds=15))
    html = user_client.get(MANAGE).content.decode()
    button = re.search(r"<button [^>]*disabled>(.*?)</button>", html, re.S).group(1)
    assert words(button) == "Resend code in 45 s"
    countdown = re.search(r"<span [^>]*>", button).group()
    assert countdown == (
        '<span data-countdown="45" data-countdown-format="short" data-countdown-end-text="">'
    )
