import re

import pytest
from django.urls import reverse

from sms.models import Status
from smstest.models import MessageTemplate
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_messages_are_searchable_by_sid_and_filterable_by_error_code(staff_client):
    MessageFactory(twilio_sid="SM" + "c" * 32, status=Status.UNDELIVERED, error_code=30003)
    MessageFactory(twilio_sid="SM" + "d" * 32, status=Status.DELIVERED)
    url = reverse("admin:sms_message_changelist")
    html = staff_client.get(url, {"q": "SM" + "c" * 32}).content.decode()
    assert "1 result" in html
    html = staff_client.get(url, {"error_code": "30003"}).content.decode()
    assert "SM" + "c" * 32 in html and "SM" + "d" * 32 not in html


def test_message_page_shows_status_reports_read_only(staff_client):
    message = MessageFactory(twilio_sid="SM" + "e" * 32)
    message.apply_status("sent", raw={"MessageStatus": "sent"})
    html = staff_client.get(reverse("admin:sms_message_change", args=[message.pk])).content.decode()
    assert 'id="status_reports-heading"' in html and "Status reports" in html
    assert re.search(r'<td class="field-status">\s*<p>sent</p>', html)  # the report is listed
    assert 'name="status_reports-0-status"' not in html  # read-only, not an input


def test_template_with_unknown_placeholder_is_refused_in_admin(staff_client):
    response = staff_client.post(
        reverse("admin:smstest_messagetemplate_add"),
        {"name": "Bad", "body": "Hi {nickname}", "is_active": "on", "order": 9},
    )
    assert "Unknown placeholder(s): {nickname}" in response.content.decode()
    assert not MessageTemplate.objects.filter(name="Bad").exists()
