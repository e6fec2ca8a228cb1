"""Abuse and cost controls under concurrent requests (PostgreSQL only).

Many accounts acting on the same phone number, or on the site's SMS budgets, at the same
moment: the locks (user, then the number's advisory lock, then the budgets' lock) must keep
every limit exact. Each account is a `django.test.Client` of its own, in a thread of its
own with its own database connection, going through the real views.
"""

import html
import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from phones.models import PhoneEvent, PhoneNumber
from sms import budgets
from sms.models import BudgetTrip, Message
from tests.factories import PhoneNumberFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HTMX = {"HX-Request": "true"}
NUMBER = "+12065550123"
NUMBER_BUSY = "We cannot send a code to this number right now. Please try again in a few minutes."
SENDING = "We are sending a code to"
# A wait counted in seconds, minutes or hours: another account's cooldown would show as one.
COUNTED_WAIT = re.compile(r"\b\d+\s*(?:s|secs?|seconds?|mins?|minutes?|hours?)\b")
NOTICE = re.compile(r'<p class="notice( notice-error)?" role="(?:alert|status)">(.*?)</p>', re.S)
FIELD_ERROR = re.compile(r'<ul class="errorlist[^"]*"[^>]*>\s*<li>(.*?)</li>', re.S)
ALERT = re.compile(r'<div class="alert alert-error" role="alert">(.*?)</div>', re.S)


def race(calls, timeout=8):
    """Run each call in its own thread and database connection, all released at once.

    Fails if a call is still running after `timeout` seconds (a deadlock, or a lock never
    released) or raised (a 500, or PostgreSQL breaking a deadlock); returns the outcomes.
    """
    start = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            start.wait(timeout)
            outcomes[index] = call()
        except BaseException as error:  # the test reports it below
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair, daemon=True) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    stuck = sum(thread.is_alive() for thread in threads)
    assert not stuck, f"{stuck} of {len(calls)} requests still running after {timeout} s"
    errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert not errors, errors
    return outcomes


def signed_in(users, *, same_ip=None):
    """A Client per user, signed in, each from an IP address of its own (or `same_ip`):
    the per-IP budgets then never decide these races unless a test wants them to."""
    clients = []
    for n, user in enumerate(users):
        client = Client(REMOTE_ADDR=same_ip or f"198.51.100.{n + 1}")
        client.force_login(user)
        clients.append(client)
    return clients


def text(fragment):
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def notice(response):
    """The notice a phone row shows after an add or "Send code"."""
    assert response.status_code == 200, response.status_code
    found = NOTICE.search(response.content.decode())
    assert found, response.content.decode()
    return text(found[2])


def code_error(response):
    """The error next to the code field after "Verify"; '' if there is none."""
    assert response.status_code == 200, response.status_code
    found = FIELD_ERROR.search(response.content.decode())
    return text(found[1]) if found else ""


def sent_code(sms):
    return re.search(r"code is (\d{6})\.", sms.body)[1]


def wrong(code, k):
    """A 6-digit code that is not `code` (k = 1, 2…: a different one each time)."""
    return f"{(int(code) + k) % 10**6:06d}"


def add(client, number=NUMBER):
    return client.post(
        reverse("phones:add"), {"region": "US", "number": number, "label": ""}, headers=HTMX
    )


def send_code(client, phone):
    return client.post(reverse("phones:send_code", args=[phone.pk]), headers=HTMX)


def verify(client, phone, code):
    return client.post(reverse("phones:verify", args=[phone.pk]), {"code": code}, headers=HTMX)


def failed_attempts():
    return PhoneEvent.objects.filter(number=NUMBER, kind=PhoneEvent.Kind.FAILED_ATTEMPT).count()


# (a) and (b): one code per cooldown for a number, whichever accounts ask.


def test_twenty_accounts_adding_one_number_at_once_send_it_one_code(sms_outbox):
    users = UserFactory.create_batch(20)
    clients = signed_in(users)

    responses = race([lambda c=c: add(c) for c in clients])

    # Every account has the number; the phone got one code.
    assert PhoneNumber.objects.filter(number=NUMBER).count() == 20
    assert {phone.user_id for phone in PhoneNumber.objects.filter(number=NUMBER)} == {
        user.pk for user in users
    }
    assert len(sms_outbox) == 1
    assert Message.objects.count() == 1
    assert PhoneEvent.objects.filter(kind=PhoneEvent.Kind.CODE_SENT).count() == 1

    notices = [notice(response) for response in responses]
    assert sum(SENDING in n for n in notices) == 1, notices
    refused = [(n, r) for n, r in zip(notices, responses, strict=True) if SENDING not in n]
    assert len(refused) == 19
    for refusal, response in refused:
        # Generic: nothing of the other account's code, its time or its cooldown.
        assert refusal == f"Added (206) 555-0123. No code was sent: {NUMBER_BUSY}"
        page = text(response.content.decode())
        assert not COUNTED_WAIT.search(page), COUNTED_WAIT.search(page)
        assert "A code was just sent" not in page
    assert not BudgetTrip.objects.exists()


def test_twelve_accounts_pressing_send_code_at_once_after_the_cooldown_send_one_code(
    sms_outbox, clock
):
    users = UserFactory.create_batch(12)
    phones = [PhoneNumberFactory(user=user, number=NUMBER) for user in users]
    clients = signed_in(users)
    assert SENDING in notice(send_code(clients[0], phones[0]))
    clock.shift(timedelta(seconds=61))  # the number's resend cooldown is over

    responses = race(
        [lambda c=c, p=p: send_code(c, p) for c, p in zip(clients, phones, strict=True)]
    )

    assert len(sms_outbox) == 2  # the first code, and one of the twelve
    assert Message.objects.count() == 2
    notices = [notice(response) for response in responses]
    assert sum(SENDING in n for n in notices) == 1, notices
    assert sorted(n for n in notices if SENDING not in n) == [NUMBER_BUSY] * 11
    # The live code belongs to the account whose request won, and to no other.
    live = PhoneNumber.objects.filter(number=NUMBER, code_sent_at=timezone.now())
    assert live.count() == 1


# (c): guesses across accounts are capped; the owner can still verify.


def test_accounts_guessing_one_number_in_parallel_stay_under_the_cap_and_the_owner_verifies(
    sms_outbox, clock, settings
):
    cap = settings.VERIFICATION_MAX_FAILURES_PER_DAY
    assert (cap, settings.VERIFICATION_MAX_ATTEMPTS) == (20, 5)
    attackers, owner = UserFactory.create_batch(5), UserFactory()
    clients = signed_in([*attackers, owner])
    attacker_clients, owner_client = clients[:5], clients[5]

    # Each attacker adds the number and gets a live code, a cooldown apart (5 codes: the
    # number's hourly cap across accounts).
    codes = []
    for client in attacker_clients:
        assert SENDING in notice(add(client))
        codes.append(sent_code(sms_outbox[-1]))
        clock.shift(timedelta(seconds=61))
    phones = [PhoneNumber.objects.get(user=user, number=NUMBER) for user in attackers]

    def guess(client, phone, code):
        """Up to 5 wrong codes, stopping when the code cannot take more."""
        errors = []
        for k in range(1, settings.VERIFICATION_MAX_ATTEMPTS + 1):
            errors.append(code_error(verify(client, phone, wrong(code, k))))
            if not errors[-1].startswith("That code is not right") or "last try" in errors[-1]:
                break
        return errors

    # Round 1: 5 accounts x 5 wrong codes = 25 tries at once, against a cap of 20.
    round_1 = race(
        [
            lambda c=c, p=p, code=code: guess(c, p, code)
            for c, p, code in zip(attacker_clients, phones, codes, strict=True)
        ]
    )
    tries = [error for errors in round_1 for error in errors]
    assert failed_attempts() == cap
    assert sum(e.startswith("That code is not right") for e in tries) == cap, tries
    # Every try past the cap was refused without counting: the codes predate the guard.
    assert {e for e in tries if not e.startswith("That code is not right")} <= {
        "This code can no longer be checked. Send a new code."
    }
    assert len(tries) > cap

    # Round 2, past the number's hourly code cap: four attackers get new codes, sent after
    # the cap was reached, so each can be checked once.
    clock.shift(timedelta(hours=1, minutes=1))
    new_codes = []
    for client, phone in zip(attacker_clients[:4], phones[:4], strict=True):
        assert SENDING in notice(send_code(client, phone))
        new_codes.append(sent_code(sms_outbox[-1]))
        clock.shift(timedelta(seconds=61))
    round_2 = race(
        [
            lambda c=c, p=p, code=code: guess(c, p, code)
            for c, p, code in zip(attacker_clients[:4], phones[:4], new_codes, strict=True)
        ]
    )
    assert all(
        errors == ["That code is not right, and it was the last try. Send a new code."]
        for errors in round_2
    ), round_2
    codes_after_cap = len(new_codes)
    assert failed_attempts() <= cap + codes_after_cap
    assert failed_attempts() == cap + codes_after_cap == 24
    assert not PhoneNumber.objects.filter(number=NUMBER, verified_at__isnull=False).exists()

    # The owner, who receives the codes, adds the number and verifies with a new code.
    assert SENDING in notice(add(owner_client))
    owners_phone = PhoneNumber.objects.get(user=owner, number=NUMBER)
    assert code_error(verify(owner_client, owners_phone, sent_code(sms_outbox[-1]))) == ""
    owners_phone.refresh_from_db()
    assert owners_phone.is_verified
    assert failed_attempts() == 24


# (d): parallel sends under one tight budget.


def send_test(client, phone, body):
    return client.post(
        reverse("smstest:send"), {"phone": phone.pk, "template": "custom", "body": body}
    )


def refusal_of(response):
    """None for a queued test (a redirect to it); else the panel's error."""
    if response.status_code == 302:
        return None
    assert response.status_code == 200, response.status_code
    found = ALERT.search(response.content.decode())
    assert found, response.content.decode()
    return text(found[1])


@pytest.mark.parametrize(
    ("body", "segments", "stored"),
    [
        ("Budget race", 1, 5),  # 5 one-segment messages fill 5 segments
        ("x" * 200, 2, 2),  # two-part messages: 2 fit in 5 segments, a third would not
    ],
)
def test_test_messages_racing_for_the_site_budget_store_exactly_its_worth(
    sms_outbox, settings, body, segments, stored
):
    settings.SMS_BUDGET_SEGMENTS_PER_HOUR = 5
    users = UserFactory.create_batch(8)
    phones = [PhoneNumberFactory(user=user, verified=True) for user in users]
    # Two clicks per account (two browsers): 16 sends at once.
    clients = signed_in(users + users)

    responses = race(
        [lambda c=c, p=p: send_test(c, p, body) for c, p in zip(clients, phones * 2, strict=True)]
    )

    refusals = [refusal_of(response) for response in responses]
    assert refusals.count(None) == stored
    assert refusals.count(budgets.SITE.refusal) == 16 - stored, refusals
    assert Message.objects.count() == stored
    assert sum(m.segments for m in Message.objects.all()) == stored * segments <= 5
    assert len(sms_outbox) == stored
    assert BudgetTrip.objects.filter(budget="site").count() == 16 - stored


def test_sends_to_two_countries_each_stop_at_the_per_country_budget(sms_outbox, settings):
    settings.SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR = 3
    users = UserFactory.create_batch(12)
    numbers = [f"+1206555{n:04d}" for n in range(200, 206)] + [
        f"+447400900{n:03d}" for n in range(6)
    ]
    phones = [
        PhoneNumberFactory(user=user, number=number, verified=True)
        for user, number in zip(users, numbers, strict=True)
    ]
    clients = signed_in(users)

    responses = race(
        [
            lambda c=c, p=p: send_test(c, p, "Budget race")
            for c, p in zip(clients, phones, strict=True)
        ]
    )

    refusals = [refusal_of(response) for response in responses]
    assert refusals.count(None) == 6
    assert refusals.count(budgets.COUNTRY.refusal) == 6
    assert sorted(Message.objects.values_list("country", flat=True)) == ["GB"] * 3 + ["US"] * 3
    assert len(sms_outbox) == 6


def test_codes_and_tests_from_one_ip_at_once_stop_at_the_per_ip_budget(sms_outbox, settings):
    settings.SMS_BUDGET_PER_IP_PER_HOUR = 4
    testers = UserFactory.create_batch(5)
    verified = [PhoneNumberFactory(user=user, verified=True) for user in testers]
    askers = UserFactory.create_batch(5)
    pending = [PhoneNumberFactory(user=user) for user in askers]
    ip = "203.0.113.9"
    test_clients = signed_in(testers, same_ip=ip)
    code_clients = signed_in(askers, same_ip=ip)

    responses = race(
        [
            lambda c=c, p=p: send_test(c, p, "Budget race")
            for c, p in zip(test_clients, verified, strict=True)
        ]
        + [lambda c=c, p=p: send_code(c, p) for c, p in zip(code_clients, pending, strict=True)]
    )

    queued_tests = sum(refusal_of(response) is None for response in responses[:5])
    code_notices = [notice(response) for response in responses[5:]]
    queued_codes = sum(SENDING in n for n in code_notices)
    assert queued_tests + queued_codes == 4
    assert Message.objects.filter(client_ip=ip).count() == 4
    assert len(sms_outbox) == 4
    assert {refusal_of(r) for r in responses[:5]} - {None} <= {budgets.CLIENT_IP.refusal}
    assert {n for n in code_notices if SENDING not in n} <= {budgets.CLIENT_IP.refusal}
    assert BudgetTrip.objects.filter(budget="ip", client_ip=ip).count() == 6
