"""The counter under the message box says what a person can check: which characters count
twice, and what is left in the segment."""

import pytest
from django.urls import reverse

from smstest.counter import describe
from tests.factories import PhoneNumberFactory

from .helpers import HTMX, form_fields

CURLY_APOSTROPHE = "\u2019"  # what phones type for '
EMOJI_TEXT = "Hello from the test suite, have fun👋"  # 35 characters, then the emoji


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Plain text only",
            "15 characters · GSM-7 · 1 segment · 145 characters left in this segment",
        ),
        (
            # 36 + 1 = 37 of the 70 a UCS-2 segment holds.
            EMOJI_TEXT,
            "36 characters (👋 counts as 2) · UCS-2 (because of 👋) · 1 segment · "
            "33 characters left in this segment",
        ),
        (
            # 9 + 1 = 10 of 160.
            "Price: 5€",
            "9 characters (€ counts as 2) · GSM-7 · 1 segment · "
            "150 characters left in this segment",
        ),
        (
            "€5 or €6",
            "8 characters (each € counts as 2) · GSM-7 · 1 segment · "
            "150 characters left in this segment",
        ),
        (
            "{x} [y]",
            "7 characters ({, }, [ and ] count as 2 each) · GSM-7 · 1 segment · "
            "149 characters left in this segment",
        ),
        (
            # ü is GSM-7; the curly apostrophe is not, and halves what fits.
            f"Grüß{CURLY_APOSTROPHE}",
            f"5 characters · UCS-2 (because of {CURLY_APOSTROPHE}) · 1 segment · "
            "65 characters left in this segment",
        ),
        (
            "a" * 161,
            "161 characters · GSM-7 · 2 segments of 153 · 145 characters left in the last segment",
        ),
    ],
    ids=["plain", "emoji", "euro", "euros", "brackets", "curly-quote", "two-segments"],
)
def test_the_counter_says_what_counts_twice_and_what_is_left(text, expected):
    assert describe(text) == expected


def test_an_emoji_that_fits_in_one_unit_is_not_said_to_count_twice():
    # ✅ (U+2705) is in the Basic Multilingual Plane: one UCS-2 unit.
    assert describe("ok ✅").startswith("4 characters · UCS-2 (because of ✅) · 1 segment · 66 ")


def test_an_empty_box_gets_the_rule_of_thumb():
    assert describe("").startswith("Plain text (GSM-7): 160 characters in one SMS")


@pytest.fixture
def phone(user):
    return PhoneNumberFactory(user=user, primary=True, number="+14155550123")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (EMOJI_TEXT, "36 characters (👋 counts as 2) · UCS-2 (because of 👋) · 1 segment · 33 "),
        ("Costs 5€", "8 characters (€ counts as 2) · GSM-7 · 1 segment · 151 "),
        ("Plain", "5 characters · GSM-7 · 1 segment · 155 characters left in this segment"),
    ],
    ids=["emoji", "euro", "plain"],
)
def test_the_counter_fragment_answers_while_typing(user_client, phone, body, expected):
    response = user_client.get(
        reverse("smstest:preview"), {"phone": phone.pk, "template": "custom", "body": body}, **HTMX
    )
    html = response.content.decode()

    assert html.strip().startswith(expected)
    assert "<html" not in html


@pytest.mark.django_db
def test_a_refused_send_shows_the_page_with_the_counter_for_the_text_in_the_box(user_client, phone):
    # Too long to send, still measured: the person sees by how much.
    html = user_client.post(
        reverse("smstest:send"), {"phone": phone.pk, "template": "custom", "body": "€" * 481}
    ).content.decode()

    assert "<html" in html
    assert "481 characters (each € counts as 2) · GSM-7 · 7 segments of 153" in html


@pytest.mark.django_db
def test_the_counter_measures_the_text_the_way_it_is_sent(user_client, phone):
    # A browser posts the box's line break as CR LF; the SMS has one character there.
    page = user_client.get(reverse("smstest:panel")).content.decode()
    data = form_fields(page, reverse("smstest:send")) | {"template": "custom", "body": "a\r\nb"}
    response = user_client.get(reverse("smstest:preview"), data, **HTMX)

    assert response.content.decode().strip().startswith("3 characters · GSM-7")
