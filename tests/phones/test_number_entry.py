"""Numbers as people type and paste them, from any country (issue: a first-time user gets
from sign-up to a delivered test without a wrong turn)."""

import pytest
from django.urls import reverse

from phones.forms import AddPhoneForm, preferred_region

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ADD = reverse("phones:add")
MANAGE = reverse("phones:manage")


@pytest.mark.parametrize(
    ("typed", "region", "e164"),
    [
        ("415\u2011555\u20112671", "US", "+14155552671"),  # non-breaking hyphens
        ("415\u2013555\u20132671", "US", "+14155552671"),  # en dashes
        ("415\u2014555\u20142671", "US", "+14155552671"),  # em dashes
        ("415\u2212555\u22122671", "US", "+14155552671"),  # minus signs
        ("\u202d+44 7911 123456\u202c", "US", "+447911123456"),  # LRO … PDF, from contacts
        ("\u200e+1 415 555 2671", "US", "+14155552671"),  # left-to-right mark
        ("\u200b415 555 2671", "US", "+14155552671"),  # zero-width space
        ("\ufeff415 555 2671", "US", "+14155552671"),  # byte-order mark
        ("\u2066415 555 2671\u2069", "US", "+14155552671"),  # isolates
        ("\u0664\u0661\u0665\u0665\u0665\u0665\u0662\u0666\u0667\u0661", "US", "+14155552671"),
        ("\u06f4\u06f1\u06f5\u06f5\u06f5\u06f5\u06f2\u06f6\u06f7\u06f1", "US", "+14155552671"),
        ("\u096a\u0967\u096b\u096b\u096b\u096b\u0968\u096c\u096d\u0967", "US", "+14155552671"),
        (
            "\uff14\uff11\uff15\u3000\uff15\uff15\uff15\u3000\uff12\uff16\uff17\uff11",
            "US",
            "+14155552671",
        ),
        ("415\u00a0555\u00a02671", "US", "+14155552671"),  # no-break spaces
        ("415\u202f555\u202f2671", "US", "+14155552671"),  # narrow no-break spaces
        ("07911 123456", "GB", "+447911123456"),
        ("+44 (0)7911 123456", "US", "+447911123456"),
        ("(415) 555-2671", "US", "+14155552671"),
        ("415.555.2671", "US", "+14155552671"),
    ],
)
def test_numbers_pasted_from_contacts_and_documents_are_stored_as_the_same_e164(
    user, typed, region, e164
):
    form = AddPhoneForm({"number": typed, "region": region, "label": ""}, user=user)
    assert form.is_valid(), form.errors
    assert form.save().number.as_e164 == e164


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("1-800-FLOWERS", "Use digits only: a phone number has no letters."),
        ("415*555*2671", "Use only digits, spaces and + ( ) - . characters."),
        ("415#555", "Use only digits, spaces and + ( ) - . characters."),
        ("\u200b\u200e", "Enter a phone number."),
        ("555 0101", "This is not a valid phone number for United States."),
        ("+1 415 555 267", "This is not a valid phone number for United States."),
    ],
)
def test_what_the_library_refuses_stays_refused(user, typed, error):
    form = AddPhoneForm({"number": typed, "region": "US", "label": ""}, user=user)
    assert not form.is_valid()
    assert error in " ".join(form.errors["number"])


def test_a_plus_number_is_judged_by_its_own_country_code_and_the_error_names_it(user):
    form = AddPhoneForm({"number": "+44 7911 12345", "region": "US", "label": ""}, user=user)
    assert not form.is_valid()
    assert form.errors["number"] == [
        "This is not a valid phone number for United Kingdom. Check the digits after +."
    ]


def test_a_national_number_valid_in_another_allowed_country_is_suggested(user_client, user):
    response = user_client.post(ADD, {"number": "07911 123456", "region": "US"}, **HTMX)
    html = response.content.decode()
    assert "This is not a valid phone number for United States." in html
    assert "Did you mean" in html
    assert 'name="suggested_region" value="GB"' in html
    assert "United Kingdom (+44)</button>" in html
    assert not user.phone_numbers.exists()


def test_the_suggestion_is_a_one_click_fix_that_keeps_the_number(user_client, user):
    # The button re-posts the form with the number as typed and the suggested country.
    data = {"number": "07911 123456", "region": "US", "suggested_region": "GB"}
    user_client.post(ADD, data, **HTMX)
    assert [str(p.number) for p in user.phone_numbers.all()] == ["+447911123456"]


def test_no_suggestion_when_no_other_allowed_country_takes_the_number(user_client):
    html = user_client.post(ADD, {"number": "555 0101", "region": "US"}).content.decode()
    assert "Did you mean" not in html


def test_the_country_choice_remembers_the_last_one_used(user_client, user):
    user_client.post(ADD, {"number": "07911 123456", "region": "GB"}, **HTMX)
    html = user_client.get(MANAGE).content.decode()
    assert 'value="GB" selected data-example="07400 123456"' in html


def test_the_add_form_after_an_add_keeps_the_country(user_client):
    html = user_client.post(ADD, {"number": "07911 123456", "region": "GB"}, **HTMX)
    assert 'value="GB" selected data-example="07400 123456"' in html.content.decode()


@pytest.mark.parametrize(
    ("accept_language", "region"),
    [
        ("en-GB,en;q=0.9", "GB"),
        ("fr-CA,fr;q=0.9,en;q=0.8", "CA"),
        ("de-DE,de;q=0.9,en-GB;q=0.5", "GB"),  # Germany is not allowed: the next that is
        ("de-DE,de;q=0.9", None),
        ("", None),
        ("en", None),
    ],
)
def test_the_first_allowed_country_of_the_browsers_languages_is_preferred(accept_language, region):
    assert preferred_region(accept_language) == region


def test_a_new_visitor_starts_on_the_country_of_their_browser(user_client):
    html = user_client.get(MANAGE, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert 'value="GB" selected data-example="07400 123456"' in html


def test_every_country_shows_its_flag_calling_code_and_an_example_number(user_client):
    html = user_client.get(MANAGE).content.decode()
    assert "🇬🇧 United Kingdom (+44)" in html
    assert 'data-example="(201) 555-0123"' in html
    assert 'placeholder="(201) 555-0123"' in html  # the chosen country's example
