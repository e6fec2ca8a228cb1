"""Staff see every outbound SMS, codes and tests alike, in one read-only list."""

import pytest
from django.urls import reverse

from sms.models import Status
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:sms_message_changelist")


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_superuser("staff", "staff@example.com", "pw-42-xyz")
    client.force_login(staff)
    return client


@pytest.fixture
def messages():
    code = MessageFactory(
        purpose="verification",
        to_number="+14155550111",
        status=Status.DELIVERED,
        twilio_sid="SM" + "1" * 32,
    )
    test = MessageFactory(
        purpose="test",
        to_number="+14155550122",
        status=Status.UNDELIVERED,
        twilio_sid="SM" + "2" * 32,
        error_code=30003,
    )
    test.status_reports.create(status="undelivered", error_code=30003, raw={"ErrorCode": "30003"})
    return code, test


def test_the_list_shows_codes_and_tests_with_purpose_status_error_and_sid(staff_client, messages):
    html = staff_client.get(CHANGELIST).content.decode()
    for text in ("Verification code", "Test message", "Delivered", "Undelivered", "30003"):
        assert text in html
    assert "SM" + "1" * 32 in html and "SM" + "2" * 32 in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("purpose__exact=verification", "+14155550111", "+14155550122"),
        ("purpose__exact=test", "+14155550122", "+14155550111"),
        ("status__exact=undelivered", "+14155550122", "+14155550111"),
        ("error_code=30003", "+14155550122", "+14155550111"),
    ],
)
def test_the_list_filters_by_purpose_status_and_error(staff_client, messages, query, shown, hidden):
    html = staff_client.get(f"{CHANGELIST}?{query}").content.decode()
    assert shown in html and hidden not in html


def test_a_message_shows_its_status_reports_and_cannot_be_changed(staff_client, messages):
    _, test = messages
    url = reverse("admin:sms_message_change", args=[test.pk])
    response = staff_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Status reports" in html and "undelivered" in html
    assert 'name="_save"' not in html
    assert staff_client.post(url, {"status": "delivered"}).status_code == 403
    test.refresh_from_db()
    assert test.status == Status.UNDELIVERED


def test_staff_cannot_add_a_message_by_hand(staff_client):
    assert staff_client.get(reverse("admin:sms_message_add")).status_code == 403
