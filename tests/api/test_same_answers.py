"""The API and the pages give the same answers for the same actions: the same sentence
for each refusal, and the same rows changed."""

from datetime import timedelta
from html import unescape

import pytest

from sms.models import Message
from tests.factories import MessageFactory, PhoneNumberFactory

from .conftest import NUMBERS, TESTS

pytestmark = pytest.mark.django_db
PHONES_PAGE = "/dashboard/phone-management/"


@pytest.fixture
def page(user_client):
    """The pages, signed in as the API's token user."""
    return user_client


def shown(response):
    return unescape(response.content.decode())


def test_a_code_asked_for_too_soon(api, page, user, clock):
    phone = PhoneNumberFactory(user=user)
    api.post(f"{NUMBERS}{phone.pk}/send-code")
    clock.shift(timedelta(seconds=20))
    api_answer = api.post(f"{NUMBERS}{phone.pk}/send-code").json()["message"]
    page_answer = page.post(f"{PHONES_PAGE}{phone.pk}/send-code/", follow=True)
    assert api_answer == "A code was just sent. You can request another in 40 seconds."
    assert api_answer in shown(page_answer)


def test_a_wrong_code(api, page, user, send_code):
    phones = [PhoneNumberFactory(user=user) for _ in range(2)]
    wrong = [str((int(send_code(phone)) + 1) % 10**6).zfill(6) for phone in phones]
    api_answer = api.post(f"{NUMBERS}{phones[0].pk}/verify", {"code": wrong[0]}).json()
    page_answer = page.post(f"{PHONES_PAGE}{phones[1].pk}/verify/", {"code": wrong[1]})
    assert api_answer["errors"][0]["message"] == "That code is not right. 4 tries left."
    assert api_answer["errors"][0]["message"] in shown(page_answer)


def test_a_code_that_is_not_six_digits(api, page, user, send_code):
    phone = PhoneNumberFactory(user=user)
    send_code(phone)
    api_answer = api.post(f"{NUMBERS}{phone.pk}/verify", {"code": "12345x"}).json()
    page_answer = page.post(f"{PHONES_PAGE}{phone.pk}/verify/", {"code": "12345x"})
    assert api_answer["errors"][0]["message"] in shown(page_answer)


def test_an_invalid_number(api, page):
    api_answer = api.post(NUMBERS, {"number": "+1 206 555 01"}).json()["message"]
    page_answer = page.post(f"{PHONES_PAGE}add/", {"number": "+1 206 555 01"})
    assert api_answer.startswith("This is not a valid phone number")
    assert api_answer in shown(page_answer)


def test_making_an_unverified_number_primary(api, page, user):
    phone = PhoneNumberFactory(user=user)
    api_answer = api.post(f"{NUMBERS}{phone.pk}/primary").json()["message"]
    page_answer = page.post(f"{PHONES_PAGE}{phone.pk}/make-primary/", follow=True)
    assert api_answer in shown(page_answer)


def test_a_test_over_the_quota(api, page, user, clock):
    phone = PhoneNumberFactory(user=user, primary=True)
    for _ in range(3):
        MessageFactory(user=user, phone=phone)
    api_answer = api.post(TESTS, {"phone_number": phone.pk, "message": "Hi"}).json()["message"]
    page_answer = page.post(
        "/dashboard/sms-tests/send/", {"phone": phone.pk, "template": "custom", "body": "Hi"}
    )
    assert api_answer.startswith("You have reached the test-message limit.")
    assert api_answer in shown(page_answer)


def test_a_test_over_a_budget(api, page, user, settings):
    phone = PhoneNumberFactory(user=user, primary=True)
    settings.SMS_BUDGET_SEGMENTS_PER_HOUR = 0
    api_answer = api.post(TESTS, {"phone_number": phone.pk, "message": "Hi"}).json()["message"]
    page_answer = page.post(
        "/dashboard/sms-tests/send/", {"phone": phone.pk, "template": "custom", "body": "Hi"}
    )
    assert api_answer in shown(page_answer)
    assert not Message.objects.exists()


def test_a_test_sent_either_way_is_the_same_message(api, page, user):
    phone = PhoneNumberFactory(user=user, primary=True)
    api.post(TESTS, {"phone_number": phone.pk, "message": "Same text"})
    page.post(
        "/dashboard/sms-tests/send/", {"phone": phone.pk, "template": "custom", "body": "Same text"}
    )
    by_api, by_page = Message.objects.order_by("pk")
    fields = ["user_id", "purpose", "to_number", "body", "encoding", "segments", "client_ip"]
    assert [getattr(by_api, f) for f in fields] == [getattr(by_page, f) for f in fields]
