"""Staff find a number in every admin list however they write it."""

import pytest
from django.urls import reverse

from phones.models import PhoneEvent
from sms.models import OutboxMessage
from tests.factories import MessageFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db

WAYS_OF_WRITING = [
    "(415) 555-2671",
    "415-555-2671",
    "415.555.2671",
    "+1 415 555 2671",
    "+14155552671",
    "4155552671",
    "555-2671",
    "415\u2011555\u20112671",  # non-breaking hyphens, as pasted from a document
]


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_superuser("staff", "staff@example.com", "pw-42-xyz")
    client.force_login(staff)
    return client


@pytest.fixture
def records():
    phone = PhoneNumberFactory(number="+14155552671", label="wanted")
    PhoneNumberFactory(number="+14155550100", label="other")
    phone.record(PhoneEvent.Kind.ADDED, detail="wanted")
    MessageFactory(phone=phone, body="wanted message")
    MessageFactory(to_number="+14155550100", body="other message")
    OutboxMessage.objects.create(to="+14155552671", body="wanted outbox", sid="SM" + "1" * 32)
    OutboxMessage.objects.create(to="+14155550100", body="other outbox", sid="SM" + "2" * 32)


@pytest.mark.parametrize("typed", WAYS_OF_WRITING)
@pytest.mark.parametrize(
    ("changelist", "wanted", "other"),
    [
        ("admin:phones_phonenumber_changelist", "wanted", "other"),
        ("admin:phones_phoneevent_changelist", "+14155552671", "+14155550100"),
        ("admin:sms_message_changelist", "+14155552671", "+14155550100"),
        ("admin:sms_outboxmessage_changelist", "wanted outbox", "other outbox"),
    ],
)
def test_every_list_with_a_number_finds_it_however_it_is_written(
    staff_client, records, typed, changelist, wanted, other
):
    html = staff_client.get(reverse(changelist), {"q": typed}).content.decode()
    assert wanted in html
    assert other not in html


def test_a_uk_number_is_found_in_national_format(staff_client, settings):
    PhoneNumberFactory(number="+447911123456", label="uk")
    html = staff_client.get(
        reverse("admin:phones_phonenumber_changelist"), {"q": "07911 123456"}
    ).content.decode()
    assert "uk" in html and "0 phone numbers" not in html
