"""Staff see numbers with their event log, filter and search them; the log is read-only."""

import pytest
from django.urls import reverse

from phones.models import PhoneEvent
from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:phones_phonenumber_changelist")


@pytest.fixture
def numbers(user, other_user):
    return {
        "us": PhoneNumberFactory(user=user, number="+12065550101", verified=True),
        "gb": PhoneNumberFactory(user=other_user, number="+447911123456"),
        "ca": PhoneNumberFactory(user=other_user, number="+14165550123"),
    }


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("verified=yes", "+12065550101", "+447911123456"),
        ("verified=no", "+447911123456", "+12065550101"),
        ("region=GB", "+447911123456", "+12065550101"),
        ("region=CA", "+14165550123", "+12065550101"),
        ("region=US", "+12065550101", "+14165550123"),
        ("q=bob@example.com", "+447911123456", "+12065550101"),
        ("q=2065550101", "+12065550101", "+447911123456"),
    ],
)
def test_numbers_can_be_filtered_and_searched(admin_client, numbers, query, shown, hidden):
    html = admin_client.get(f"{CHANGELIST}?{query}").content.decode()
    assert shown in html and hidden not in html


def test_region_filter_names_the_countries_on_file(admin_client, numbers):
    html = admin_client.get(CHANGELIST).content.decode()
    for name in ("United States", "Canada", "United Kingdom"):
        assert f">{name}</a>" in html


def test_a_numbers_events_are_shown_read_only(admin_client, numbers):
    phone = numbers["us"]
    phone.record(PhoneEvent.Kind.CODE_SENT, detail="SM123")
    html = admin_client.get(
        reverse("admin:phones_phonenumber_change", args=[phone.pk])
    ).content.decode()
    assert "SM123" in html
    assert 'name="events-0-detail"' not in html  # shown, not editable
    assert 'name="code_hash"' not in html


def test_the_event_log_cannot_be_added_to_changed_or_deleted(admin_client, numbers):
    event = numbers["us"].record(PhoneEvent.Kind.ADDED)
    assert admin_client.get(reverse("admin:phones_phoneevent_add")).status_code == 403
    change = reverse("admin:phones_phoneevent_change", args=[event.pk])
    assert admin_client.post(change, {"detail": "rewritten"}).status_code == 403
    delete = reverse("admin:phones_phoneevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.detail == ""


def test_deleting_a_primary_in_the_admin_promotes_the_next_one(admin_client, user):
    primary = PhoneNumberFactory(user=user, primary=True)
    other = PhoneNumberFactory(user=user, verified=True)
    admin_client.post(
        reverse("admin:phones_phonenumber_delete", args=[primary.pk]), {"post": "yes"}
    )
    other.refresh_from_db()
    assert other.is_primary
