"""When several of the account's own code limits hold at once, the refusal tells the wait
that really applies: the limit that lifts last (a QA run found "request another in 60
seconds" answered after the fifth code of the hour, and after too many wrong codes)."""

from datetime import timedelta

import pytest
from django.conf import settings

from phones.models import CodeQuotaReached, ResendTooSoon, TooManyWrongCodes

from .conftest import code_sent, wrong_codes

pytestmark = pytest.mark.django_db


def test_the_fifth_code_of_the_hour_tells_the_hourly_wait_not_the_cooldown(phone):
    hourly = settings.VERIFICATION_MAX_CODES_PER_NUMBER_PER_HOUR
    for n in range(hourly):
        code_sent(phone, ago=timedelta(minutes=10 * (hourly - 1 - n), seconds=5))
    refusal = phone.code_request_refusal()
    assert isinstance(refusal, CodeQuotaReached)
    assert refusal.wait_seconds > settings.VERIFICATION_RESEND_COOLDOWN_SECONDS
    assert "codes for this number in the last hour" in refusal.message


def test_too_many_wrong_codes_is_told_even_right_after_a_code(phone):
    code_sent(phone, ago=timedelta(seconds=5))
    wrong_codes(phone, settings.VERIFICATION_MAX_FAILURES_PER_ACCOUNT_PER_DAY)
    refusal = phone.code_request_refusal()
    assert isinstance(refusal, TooManyWrongCodes)
    assert refusal.wait_seconds > 23 * 3600


def test_the_cooldown_alone_is_told_as_the_cooldown(phone):
    code_sent(phone, ago=timedelta(seconds=5))
    refusal = phone.code_request_refusal()
    assert isinstance(refusal, ResendTooSoon)
    assert refusal.wait_seconds == settings.VERIFICATION_RESEND_COOLDOWN_SECONDS - 5
