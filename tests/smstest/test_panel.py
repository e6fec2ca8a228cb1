"""The SMS-testing panel at its own URL: a fragment for htmx, a page of its own otherwise,
loaded lazily by the phone-management page."""

import re

import pytest
from django.urls import reverse

from sms.models import Message
from tests.factories import MessageFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db

PANEL = reverse("smstest:panel")
HTMX = {"HTTP_HX_REQUEST": "true"}
HISTORY_RESTORE = {**HTMX, "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}


@pytest.fixture
def phone(user):
    return PhoneNumberFactory(user=user, primary=True, number="+14155550123")


def vary(response):
    return {header.strip() for header in response.get("Vary", "").split(",")}


def test_panel_answers_an_htmx_request_with_the_fragment_only(user_client, phone):
    response = user_client.get(PANEL, **HTMX)
    html = response.content.decode()

    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="sms-testing"')
    assert "<html" not in html and 'aria-label="Breadcrumb"' not in html
    assert "Send test message" in html
    assert "HX-Request" in vary(response)


def test_panel_answers_a_plain_request_with_a_page_of_its_own(user_client, phone):
    response = user_client.get(PANEL)
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" in html
    assert 'aria-label="Breadcrumb"' in html
    assert "<h1>SMS testing</h1>" in html
    assert 'id="sms-testing"' in html and "Send test message" in html
    # Without JavaScript the form posts to the send view like any HTML form.
    assert f'method="post" action="{reverse("smstest:send")}"' in html
    assert "HX-Request" in vary(response)


def test_panel_answers_an_htmx_history_restore_with_the_full_page(user_client, phone):
    """htmx restoring history after a cache miss swaps in the whole body: a fragment there
    would leave the page without its layout."""
    response = user_client.get(PANEL, **HISTORY_RESTORE)
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" in html and "<h1>SMS testing</h1>" in html
    assert "HX-Request" in vary(response)


def test_panel_needs_a_login(client):
    response = client.get(PANEL, **HTMX)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_phone_management_page_loads_the_panel_lazily_with_a_no_js_link(user_client, phone):
    html = user_client.get(reverse("phones:manage")).content.decode()

    placeholder = re.search(
        r'(<section class="card" id="sms-testing"[^>]*>)(.*?)</section>', html, re.S
    )
    assert placeholder, "no SMS-testing placeholder on the phone-management page"
    tag, content = placeholder.groups()
    # htmx replaces it with the panel as soon as the page loads.
    assert f'hx-get="{PANEL}"' in tag
    assert re.search(r'hx-trigger="load\b', tag)
    assert 'hx-swap="outerHTML"' in tag
    # The panel itself is not rendered into this page any more.
    assert "Send test message" not in html
    assert reverse("smstest:send") not in html
    # Without JavaScript, the placeholder's link leads to the panel's own page.
    link = re.search(r'<a href="([^"]+)">Send a test message</a>', content)
    assert link and link.group(1) == PANEL
    page = user_client.get(link.group(1))
    assert page.status_code == 200
    assert "Send test message" in page.content.decode()


def test_a_refused_send_without_javascript_shows_the_panel_page_with_the_error_at_the_field(
    user_client, phone, committed, sms_outbox
):
    with committed():
        response = user_client.post(
            reverse("smstest:send"), {"phone": phone.pk, "template": "custom", "body": ""}
        )
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" in html and "<h1>SMS testing</h1>" in html
    error = re.search(r'<ul class="errorlist" id="id_body_error">(.*?)</ul>', html, re.S)
    assert error and "Enter a message" in error.group(1)
    # The field points at its error, for screen readers.
    assert re.search(r'<textarea name="body"[^>]*aria-describedby="[^"]*id_body_error', html)
    assert not Message.objects.exists()
    assert sms_outbox == []


def test_over_quota_without_javascript_the_panel_page_says_when_and_keeps_the_text(
    user_client, user, phone, committed, sms_outbox
):
    for _ in range(3):
        MessageFactory(user=user, phone=phone)
    with committed():
        response = user_client.post(
            reverse("smstest:send"), {"phone": phone.pk, "template": "custom", "body": "kept"}
        )
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" in html
    assert 'class="alert alert-error" role="alert"' in html
    assert "The next test is allowed at" in html
    assert "kept</textarea>" in html
    assert Message.objects.count() == 3
    assert sms_outbox == []


def test_a_send_without_javascript_redirects_to_the_message_page_and_sends(
    user_client, phone, committed, sms_outbox
):
    with committed():
        response = user_client.post(
            reverse("smstest:send"), {"phone": phone.pk, "template": "custom", "body": "hi"}
        )
    message = Message.objects.get()

    assert response.status_code == 302
    assert response.url == reverse("smstest:message", args=[message.pk])
    assert [sms.body for sms in sms_outbox] == ["hi"]
