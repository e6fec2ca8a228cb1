"""PHONE_DEFAULT_REGION: how national numbers are read when added, and how numbers are shown."""

import re

import pytest
from django.urls import reverse

from phones.models import PhoneNumber, display_number
from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db

ADD = reverse("phones:add")
MANAGE = reverse("phones:manage")


@pytest.fixture
def uk_site(settings):
    """A site set up for the UK: PHONE_DEFAULT_REGION=GB (one variable sets both settings)."""
    settings.PHONE_DEFAULT_REGION = "GB"
    settings.PHONENUMBER_DEFAULT_REGION = "GB"


def add_number(client, typed):
    """What the add form posts when JavaScript is off and the country is left as it is."""
    return client.post(ADD, {"number": typed, "label": ""}, follow=True)


def test_uk_site_preselects_the_uk_in_the_country_choice(uk_site, user_client):
    html = user_client.get(MANAGE).content.decode()
    assert re.search(r'<option value="GB"[^>]* selected', html)
    assert not re.search(r'<option value="US"[^>]* selected', html)


def test_uk_site_accepts_a_national_uk_mobile_and_stores_it_in_e164(uk_site, user_client, user):
    response = add_number(user_client, "07911 123456")

    assert response.status_code == 200
    assert [str(phone.number) for phone in user.phone_numbers.all()] == ["+447911123456"]
    assert user.phone_numbers.get().number.as_e164 == "+447911123456"


def test_uk_site_also_reads_the_number_with_the_country_chosen_explicitly(
    uk_site, user_client, user
):
    user_client.post(ADD, {"region": "GB", "number": "07911 123456", "label": ""})
    assert user.phone_numbers.get().number.as_e164 == "+447911123456"


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("+447400123456", "07400 123456"),  # GB proper
        ("+447911123456", "07911 123456"),  # phonenumbers says Guernsey; UK numbering plan
        ("+447624123456", "07624 123456"),  # Isle of Man; UK numbering plan
        ("+14155552671", "+1 415-555-2671"),
        ("+16045550123", "+1 604-555-0123"),
    ],
)
def test_uk_site_shows_uk_numbers_national_and_others_international(uk_site, number, shown):
    phone = PhoneNumberFactory.build(number=number)
    assert display_number(phone.number) == shown


def test_uk_site_shows_the_added_uk_number_in_national_format(uk_site, user_client):
    html = add_number(user_client, "07911 123456").content.decode()

    assert "Added 07911 123456." in html
    assert '<span class="item-title">07911 123456</span>' in html
    assert "+44 7911 123456" not in html


def test_uk_site_shows_an_added_us_number_in_international_format(uk_site, user_client):
    html = add_number(user_client, "+1 415 555 2671").content.decode()

    assert "Added +1 415-555-2671." in html
    assert '<span class="item-title">+1 415-555-2671</span>' in html
    assert "(415) 555-2671" not in html


def test_us_site_shows_us_numbers_national_and_uk_numbers_international(settings, user_client):
    assert settings.PHONE_DEFAULT_REGION == "US"
    add_number(user_client, "+1 415 555 2671")
    html = add_number(user_client, "+44 7400 123456").content.decode()

    assert '<span class="item-title">(415) 555-2671</span>' in html
    assert '<span class="item-title">+44 7400 123456</span>' in html


def test_us_site_rejects_a_national_uk_number_and_says_why(settings, user_client, user):
    assert settings.PHONE_DEFAULT_REGION == "US"

    response = add_number(user_client, "07911 123456")
    html = response.content.decode()

    assert response.status_code == 200
    assert "This is not a valid phone number for United States." in html
    assert "start with + and the country code" in html
    assert not PhoneNumber.objects.exists()
