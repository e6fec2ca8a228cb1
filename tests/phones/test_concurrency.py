"""Requests racing each other: the row locks keep the rules (PostgreSQL only)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from phones.models import CodeRequestRefused, PhoneEvent, PhoneNumber
from sms.models import Message
from tests.factories import PhoneNumberFactory, UserFactory
from tests.threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_clicks_on_send_code_at_once_send_one_code(slow_queueing, sms_outbox):
    phone = PhoneNumberFactory(number="+12065550101")
    copies = [PhoneNumber.objects.get(pk=phone.pk) for _ in range(2)]

    outcomes = run_together(*(copy.start_verification for copy in copies))

    assert len(sms_outbox) == 1
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Message", "ResendTooSoon"]
    assert isinstance(next(o for o in outcomes if not isinstance(o, Message)), CodeRequestRefused)
    assert Message.objects.count() == 1


def test_two_accounts_proving_one_number_at_once_take_turns(sms_outbox, clock):
    phones = [PhoneNumberFactory(user=UserFactory(), number="+12065550101") for _ in range(2)]
    codes = []
    for phone in phones:
        phone.start_verification()  # no outer transaction here: sent at once
        codes.append(sms_outbox[-1].body.split("code is ")[1][:6])
        clock.shift(timedelta(seconds=61))  # past the number's resend cooldown

    checks = [lambda p=p, c=c: p.check_code(c) for p, c in zip(phones, codes, strict=True)]
    outcomes = run_together(*checks)

    assert not any(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    verified = PhoneNumber.objects.verified().filter(number="+12065550101")
    assert verified.count() == 1
    assert PhoneEvent.objects.filter(kind=PhoneEvent.Kind.TAKEN_OVER).count() == 1


def test_two_clicks_on_delete_at_once_delete_once_and_never_fail():
    phone = PhoneNumberFactory(primary=True)
    clients = [Client() for _ in range(2)]
    for client in clients:
        client.force_login(phone.user)
    url = reverse("phones:delete", args=[phone.pk])

    outcomes = run_together(*(lambda c=c: c.post(url).status_code for c in clients))

    assert sorted(outcomes) == [302, 404], outcomes
    assert PhoneEvent.objects.filter(kind=PhoneEvent.Kind.DELETED).count() == 1


def test_a_takeover_racing_the_owner_choosing_a_primary_leaves_one_primary(sms_outbox):
    owner = UserFactory()
    taken = PhoneNumberFactory(user=owner, number="+12065550101", primary=True)
    # The oldest of these would be promoted by the takeover; the owner picks the other.
    _oldest, chosen = PhoneNumberFactory.create_batch(2, user=owner, verified=True)
    claimant = PhoneNumberFactory(number="+12065550101")
    claimant.start_verification()
    code = sms_outbox[-1].body.split("code is ")[1][:6]

    outcomes = run_together(lambda: claimant.check_code(code), chosen.make_primary)

    assert not any(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    assert owner.phone_numbers.filter(is_primary=True).count() == 1
    assert not PhoneNumber.objects.get(pk=taken.pk).is_verified
