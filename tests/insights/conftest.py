import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from insights.models import PhoneManagementVisit
from phones.models import PhoneEvent
from sms.models import Message, Status
from tests.factories import PhoneNumberFactory, UserFactory

# Mid-afternoon, so "N days ago" never crosses midnight by a few minutes' drift.
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
NUMBERS = {"US": "+1206555{:04d}", "GB": "+447700900{:03d}", "CA": "+1416555{:04d}"}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_user(
        "staffer", "staffer@example.com", "staff-pw-42", is_staff=True
    )
    client.force_login(staff)
    return client


def account(joined_ago, **fields):
    user = UserFactory(**fields)
    user.date_joined = NOW - joined_ago
    user.save(update_fields=["date_joined"])
    return user


def visit(user, after, entry):
    return PhoneManagementVisit.objects.create(
        user=user, entry=entry, created_at=user.date_joined + after
    )


def event(phone, kind, at):
    """A phones.PhoneEvent at `at` (its created_at is auto_now_add)."""
    created = PhoneEvent.objects.create(
        phone=phone, user=phone.user, number=phone.number, kind=kind
    )
    PhoneEvent.objects.filter(pk=created.pk).update(created_at=at)
    return created


def number(country, n):
    return NUMBERS[country].format(n)


def added(user, country, n, at, **fields):
    phone = PhoneNumberFactory(user=user, number=number(country, n), **fields)
    event(phone, PhoneEvent.Kind.ADDED, at)
    return phone


def sms(
    user,
    to,
    *,
    at,
    purpose="test",
    status=Status.DELIVERED,
    country="US",
    segments=1,
    sid=True,
    code=None,
    took=None,
):
    """An sms.Message as the pipeline leaves it."""
    return Message.objects.create(
        user=user,
        body="Hello",
        encoding="GSM-7",
        purpose=purpose,
        to_number=to,
        country=country,
        status=status,
        segments=segments,
        twilio_sid=f"SM{uuid.uuid4().hex}" if sid else None,
        error_code=code,
        created_at=at,
        delivered_at=(at + took) if status == Status.DELIVERED and took else None,
    )


def messages_of(user):
    return Message.objects.filter(user=user)
