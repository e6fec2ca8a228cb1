"""The SMS-pumping scenario of `manage.py pumping_run`, on the test database.

The command plays it on a throwaway database of its own; here the same `run_scenario` runs
on pytest-django's, with real commits (transaction=True) so that the immediate task
backend hands every queued SMS to the locmem sender, as in production.
"""

import pytest
from django.test import Client
from django.urls import reverse

from dashboard.management.commands.pumping_run import run_scenario

pytestmark = pytest.mark.django_db(transaction=True)

# Enough of both phases for every control to bite: more sign-ups than the limit, and more
# ready-made accounts than it takes to fill the IP's SMS budget.
ACCOUNTS, NUMBERS = 6, 10
PASSWORD = "a long passphrase 77"


@pytest.fixture
def limits(settings):
    """The documented defaults, whatever the environment says."""
    settings.SIGNUPS_PER_IP_PER_HOUR = 5
    settings.CODE_REQUESTS_PER_IP_PER_HOUR = 10
    settings.SMS_BUDGET_PER_IP_PER_HOUR = 20
    settings.SMS_BUDGET_SEGMENTS_PER_HOUR = 1000
    settings.SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR = 500
    settings.VERIFICATION_MAX_CODES_PER_USER_PER_DAY = 10
    settings.SMS_TESTS_PER_USER_PER_10_MINUTES = 5
    settings.PHONES_MAX_PER_USER = 10
    settings.TRUSTED_PROXY_COUNT = 0
    return settings


def test_one_ip_pumping_gets_no_more_sms_than_its_budgets_allow(limits, sms_outbox):
    figures = run_scenario(ACCOUNTS, NUMBERS, client_ip="203.0.113.66")

    assert figures["server errors"] == []
    assert figures["violations"] == []
    assert figures["sign-ups tried"] == ACCOUNTS
    assert figures["accounts opened"] == limits.SIGNUPS_PER_IP_PER_HOUR == 5
    # Every add asks for a code: 5 opened accounts x 10 numbers, then 6 ready-made accounts
    # x 9 numbers (each already holds a verified one).
    assert figures["code requests"] == 5 * NUMBERS + ACCOUNTS * (NUMBERS - 1) == 104
    # The IP's code budget: the first account's 10 adds (its own daily code quota is 10 too).
    assert figures["codes sent"] == limits.CODE_REQUESTS_PER_IP_PER_HOUR == 10
    assert figures["numbers verified"] == 10
    # Tests: the first account's 10 verified numbers, then one per ready-made account. It
    # gets 5 out (its own 10-minute quota); the ready-made accounts 5 more, until the IP's
    # SMS budget, which counts the codes too, is full: 10 codes + 10 tests = 20.
    assert figures["test requests"] == 10 + ACCOUNTS
    assert figures["tests sent"] == 10
    expected = limits.SMS_BUDGET_PER_IP_PER_HOUR  # 20
    assert figures["sms handed to the sender"] == len(sms_outbox) == expected == 20
    assert expected <= limits.CODE_REQUESTS_PER_IP_PER_HOUR + limits.SMS_BUDGET_PER_IP_PER_HOUR
    assert figures["messages counted by the budgets"] == 20
    assert figures["segments"] == 20  # one segment each
    assert sum(figures["segments by country"].values()) == 20
    # Refusals, as the person saw them and as staff see them.
    refusals = figures["refusals shown, by reason"]
    assert refusals["test-message quota"] == 5
    # Code requests meet the IP's code budget (4 accounts x 10 in phase 1, then 5 ready-made
    # accounts x 9) until the IP's SMS budget is full; the sixth account meets that one.
    assert refusals["budget ip-codes"] == 4 * NUMBERS + 5 * (NUMBERS - 1) == 85
    assert refusals["budget ip"] == (NUMBERS - 1) + 1 == 10
    # The refused sign-up is a budget trip too (staff see it in the spend report).
    assert figures["budget trips recorded"] == {"ip-codes": 85, "ip": 10, "ip-signups": 1}
    # Every refusal told the person why, in one of the documented messages.
    assert refusals["budget ip-signups"] == ACCOUNTS - 5
    assert figures["undocumented refusals"] == []


def test_a_refused_sign_up_says_why(limits, django_user_model):
    limits.SIGNUPS_PER_IP_PER_HOUR = 1
    responses = [
        Client(REMOTE_ADDR="203.0.113.67").post(
            reverse("signup"),
            {"username": name, "password1": PASSWORD, "password2": PASSWORD},
        )
        for name in ("carol", "dave")
    ]

    assert [response.status_code for response in responses] == [302, 200]
    assert not django_user_model.objects.filter(username="dave").exists()
    assert "Too many accounts were created from your network" in responses[1].content.decode()
