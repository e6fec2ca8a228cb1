"""What people type into "Phone number": accepted as they write it, or refused with a reason."""

import pytest

from phones.forms import AddPhoneForm
from tests.factories import PhoneNumberFactory

from .conftest import full_width

pytestmark = pytest.mark.django_db


def add_form(user, number, **data):
    return AddPhoneForm({"number": number, "label": "", **data}, user=user)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+44 7911 123456", "+447911123456"),
        ("(415) 555-2671", "+14155552671"),
        ("415.555.2671", "+14155552671"),
        ("+1 604 555 0123", "+16045550123"),
        ("  206 555 0101 ", "+12065550101"),
        (full_width("+1 206 555 0101"), "+12065550101"),
        ("+44 7624 123456", "+447624123456"),  # Isle of Man: part of the UK numbering plan
    ],
)
def test_numbers_are_accepted_as_people_type_them_and_stored_as_e164(user, typed, stored):
    form = add_form(user, typed)
    assert form.is_valid(), form.errors
    assert form.save().number.as_e164 == stored


def test_the_country_choice_reads_national_numbers(user):
    form = add_form(user, "07911 123456", region="GB")
    assert form.is_valid(), form.errors
    assert form.save().number.as_e164 == "+447911123456"


def test_the_country_choice_offers_only_allowed_regions_with_the_default_first_chosen(user):
    form = AddPhoneForm(user=user)
    assert form.fields["region"].choices == [
        ("US", "🇺🇸 United States (+1)"),
        ("CA", "🇨🇦 Canada (+1)"),
        ("GB", "🇬🇧 United Kingdom (+44)"),
    ]
    assert form.fields["region"].initial == "US"


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Enter a phone number."),
        ("   ", "Enter a phone number."),
        ("+1 206 555 0101 0101 0101 0101 0101 0101", "at most 32 characters"),
        ("1-800-FLOWERS", "a phone number has no letters"),
        ("206 555 O1O1", "a phone number has no letters"),
        ("206#555*0101", "Use only digits, spaces and + ( ) - . characters."),
        ("555 0101", "This is not a valid phone number for United States."),
        ("+1 206 555", "This is not a valid phone number for United States."),
        ("+", "This is not a valid phone number for any country."),
        ("+1 900 234 5678", "This is a premium-rate number"),
        ("+1 800 234 5678", "This is a toll-free number"),
        ("+44 800 123 4567", "This is a toll-free number"),
        ("+44 55 1234 5678", "This is a company (UAN) number"),
        ("+44 56 1234 5678", "This is an internet (VoIP) number"),
        ("+44 70 1234 5678", "This is a personal (follow-me) number"),
        ("+44 20 7946 0958", "This is a landline number"),
        ("+1 876 555 0123", "this number is from Jamaica"),
        ("+33 6 12 34 56 78", "this number is from France"),
    ],
)
def test_each_bad_number_is_refused_with_its_reason_next_to_the_field(user, typed, error):
    form = add_form(user, typed)
    assert not form.is_valid()
    assert list(form.errors) == ["number"]
    assert error in form.errors["number"][0]


def test_a_region_refusal_names_the_regions_we_text(user):
    form = add_form(user, "+1 876 555 0123")
    form.is_valid()
    assert form.errors["number"] == [
        "We can only send text messages to numbers in United States, Canada, United Kingdom; "
        "this number is from Jamaica."
    ]


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("+43 810 123456", "This is a shared-cost number"),
        ("+49 177 991234567", "This is a voicemail number"),
    ],
)
def test_shared_cost_and_voicemail_numbers_are_refused_even_where_we_text(
    user, settings, typed, error
):
    settings.PHONE_ALLOWED_REGIONS = ["US", "AT", "DE"]
    form = add_form(user, typed)
    assert not form.is_valid()
    assert error in form.errors["number"][0]


def test_a_number_already_on_the_account_is_refused_however_it_is_typed(user):
    PhoneNumberFactory(user=user, number="+14155552671")
    form = add_form(user, "415.555.2671")
    assert not form.is_valid()
    assert form.errors["number"] == ["This number is already on your account."]


def test_someone_elses_number_can_still_be_added_to_prove_ownership(user, other_user):
    PhoneNumberFactory(user=other_user, number="+14155552671", verified=True)
    assert add_form(user, "415.555.2671").is_valid()


def test_no_more_than_the_maximum_numbers_per_user(user, settings):
    settings.PHONES_MAX_PER_USER = 2
    PhoneNumberFactory.create_batch(2, user=user)
    form = add_form(user, "+12065550101")
    assert not form.is_valid()
    assert form.errors["number"] == [
        "You can have at most 2 numbers. Delete one you no longer use to add another."
    ]


def test_a_country_outside_the_allowed_list_cannot_be_chosen(user):
    form = add_form(user, "876 555 0123", region="JM")
    assert not form.is_valid()
    assert "region" in form.errors


def test_a_label_longer_than_forty_characters_is_refused(user):
    form = AddPhoneForm({"number": "+12065550101", "label": "x" * 41}, user=user)
    assert not form.is_valid()
    assert "at most 40 characters" in form.errors["label"][0]
