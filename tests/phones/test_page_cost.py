"""The phone-management page costs the same for 1 number as for 10 (issue 12): the code
limits of all its rows are read in one query, and judged by the same rule as one row's."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from phones.models import CodeRequests, PhoneNumber
from tests.factories import PhoneNumberFactory, UserFactory

from .conftest import code_sent, words, wrong_codes


@pytest.fixture
def numbers_in_every_state(user):
    """Five pending numbers, each held back by another limit (or by none), and verified
    ones: {state: PhoneNumber}."""
    phones = {
        state: PhoneNumberFactory(user=user)
        for state in ("cooldown", "hourly quota", "wrong codes", "others' code", "free")
    }
    code_sent(phones["cooldown"], ago=timedelta(seconds=10))
    for minutes in range(settings.VERIFICATION_MAX_CODES_PER_NUMBER_PER_HOUR):
        code_sent(phones["hourly quota"], ago=timedelta(minutes=5 + 10 * minutes))
    wrong_codes(phones["wrong codes"], settings.VERIFICATION_MAX_FAILURES_PER_ACCOUNT_PER_DAY)
    stranger = UserFactory()
    other_row = PhoneNumberFactory(user=stranger, number=phones["others' code"].number)
    code_sent(other_row, ago=timedelta(seconds=20))
    for _ in range(4):
        PhoneNumberFactory(user=user, verified=True)
    return phones


def test_one_query_for_all_rows_gives_each_row_the_refusal_it_gives_alone(
    user, numbers_in_every_state
):
    all_rows = user.phone_numbers.all()
    requests = all_rows.code_requests()
    for state, phone in numbers_in_every_state.items():
        phone = PhoneNumber.objects.get(pk=phone.pk)
        alone, together = phone.code_request_refusal(), phone.code_request_refusal(requests)
        assert type(alone) is type(together), state
        assert getattr(alone, "message", None) == getattr(together, "message", None), state
    assert numbers_in_every_state["free"].code_request_refusal() is None
    assert {
        state: type(phone.code_request_refusal()).__name__
        for state, phone in numbers_in_every_state.items()
        if state != "free"
    } == {
        "cooldown": "ResendTooSoon",
        "hourly quota": "CodeQuotaReached",
        "wrong codes": "TooManyWrongCodes",
        "others' code": "NumberBusy",
    }


def test_the_daily_code_quota_counts_codes_to_every_number_of_the_account(user):
    phones = [PhoneNumberFactory(user=user) for _ in range(2)]
    for hours in range(settings.VERIFICATION_MAX_CODES_PER_USER_PER_DAY):
        code_sent(phones[0], ago=timedelta(hours=2 + hours))
    requests = CodeRequests.of(phones)
    refusal = phones[1].code_request_refusal(requests)
    assert "codes in the last 24 hours" in refusal.message
    assert refusal.wait_seconds == pytest.approx(timedelta(hours=13).total_seconds(), abs=5)


def test_codes_older_than_a_day_count_for_nothing(user):
    phone = PhoneNumberFactory(user=user)
    for hours in range(settings.VERIFICATION_MAX_CODES_PER_USER_PER_DAY):
        code_sent(phone, ago=timedelta(hours=25 + hours))
    assert CodeRequests.of([phone]).codes == ()
    assert phone.code_request_refusal() is None


def test_the_page_shows_each_rows_limit(user_client, numbers_in_every_state):
    page = user_client.get(reverse("phones:manage")).content.decode()
    text = words(page)
    assert "You have requested 5 codes for this number in the last hour" in text
    assert "You have entered too many wrong codes for this number today" in text
    # Another account's code is not revealed on the page: its button is there to press.
    assert "We cannot send a code to this number right now" not in text
    assert page.count('data-countdown-format="short"') == 1  # the cooldown's countdown


def test_the_page_makes_as_many_queries_for_ten_numbers_as_for_one(
    user, user_client, django_assert_max_num_queries
):
    first = PhoneNumberFactory(user=user)
    code_sent(first, ago=timedelta(minutes=5))
    with django_assert_max_num_queries(12) as one:
        assert user_client.get(reverse("phones:manage")).status_code == 200
    for n in range(9):
        phone = PhoneNumberFactory(user=user, verified=n % 2 == 0)
        if not phone.is_verified:
            code_sent(phone, ago=timedelta(minutes=n))
            wrong_codes(phone, 2)
    assert user.phone_numbers.count() == 10
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert user_client.get(reverse("phones:manage")).status_code == 200
