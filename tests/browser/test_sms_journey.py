"""Send a test SMS and watch its status change live; a failure is explained and retried."""

import re

import pytest
from playwright.sync_api import expect

from sms.models import Message
from tests.factories import PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tester(sign_in):
    user = UserFactory(first_name="Tess")
    PhoneNumberFactory(user=user, primary=True, number="+14155550123", label="Mobile")
    sign_in(user)
    return user


def send_custom_test(page, text):
    page.get_by_label("Template").select_option(label="Custom message")
    page.get_by_label("Message").fill(text)
    expect(page.locator("#sms-counter")).to_contain_text(
        f"{len(text)} characters · GSM-7 · 1 segment"
    )
    page.get_by_role("button", name="Send test message").click()
    card = page.locator(".message-card").first
    expect(card).to_contain_text(text)
    return card, Message.objects.latest("created_at")


def test_quick_action_to_delivered_without_reload(page, live_url, tester, twilio_reports):
    quick_actions = page.get_by_role("region", name="Quick actions")
    quick_actions.get_by_role("link", name=re.compile("Send a test SMS")).click()
    page.evaluate("window.sameDocument = true")

    card, message = send_custom_test(page, "Hello from the journey")
    expect(card.locator(".badge")).to_have_text("Queued")
    twilio_reports(message.twilio_sid, "sent")
    twilio_reports(message.twilio_sid, "delivered")

    expect(card.locator(".badge")).to_have_text("Delivered", timeout=6000)
    expect(card).to_contain_text("Delivered in")
    assert page.evaluate("window.sameDocument") is True, "the page must not reload"

    page.goto(f"{live_url}/dashboard/")
    widget = page.locator("#sms-widget")
    expect(widget).to_contain_text("Hello from the journey")
    expect(widget.locator(".badge").first).to_have_text("Delivered")


def test_failure_is_explained_and_retry_sends_again(page, live_url, tester, twilio_reports):
    page.goto(f"{live_url}/dashboard/phone-management/")
    card, message = send_custom_test(page, "This one will bounce")
    expect(card.locator(".badge")).to_have_text("Queued")
    twilio_reports(message.twilio_sid, "undelivered", ErrorCode="30003")

    expect(card).to_contain_text("Error 30003", timeout=6000)
    expect(card.get_by_role("link", name=re.compile("Twilio"))).to_have_attribute(
        "href", "https://www.twilio.com/docs/api/errors/30003"
    )
    card.get_by_role("button", name="Retry").click()

    retried = page.locator(".message-card", has_text="retry of").first
    expect(retried.locator(".badge")).to_have_text("Queued")
    assert Message.objects.filter(retry_of=message).count() == 1


@pytest.mark.postgres  # a worker thread beside the live server needs a real database server
def test_development_sender_plays_delivery_live_and_a_simulated_failure(
    page, live_url, tester, task_worker, settings
):
    page.goto(f"{live_url}/dashboard/phone-management/")
    send_custom_test(page, "Offline hello")
    page.goto(f"{live_url}/dashboard/")
    widget = page.locator("#sms-widget")
    expect(widget.locator("dd").nth(1)).to_have_text("0")  # delivered in the last 30 days
    expect(widget.locator(".message-card .badge")).to_have_text("Delivered", timeout=10000)
    expect(widget.locator("dd").nth(1)).to_have_text("1")  # the counts followed, no reload

    # Nothing below watches a step in between: the reports may come faster.
    settings.OFFLINE_SENDER_STEP_SECONDS = 0.5
    page.goto(f"{live_url}/dashboard/phone-management/")
    page.get_by_label("Simulate").select_option(label="Undelivered (30003)")
    card, _ = send_custom_test(page, "Offline bounce")
    expect(card.locator(".badge")).to_have_text("Undelivered", timeout=10000)
    expect(card).to_contain_text("Error 30003: Phone unreachable")
    expect(card).to_contain_text("The carrier could not reach the phone")
    # In development a retry plays the outcome chosen next to it (Delivered by default).
    card.get_by_label("Simulate").select_option(label="Undelivered (30003)")
    card.get_by_role("button", name="Retry").click()

    retried = page.locator(".message-card", has_text="retry of").first
    expect(retried.locator(".badge")).to_have_text("Undelivered", timeout=10000)


def test_phone_page_loads_the_sms_panel_into_its_placeholder_by_itself(page, live_url, tester):
    panel_url = f"{live_url}/dashboard/sms-tests/panel/"
    with page.expect_request(
        lambda request: request.url == panel_url and request.headers.get("hx-request") == "true"
    ):
        page.goto(f"{live_url}/dashboard/phone-management/")
    page.evaluate("window.sameDocument = true")

    panel = page.locator("#sms-testing")
    expect(panel.get_by_label("Send to")).to_contain_text("(415) 555-0123")
    expect(panel.get_by_role("button", name="Send test message")).to_be_visible()
    expect(panel.get_by_role("link", name="Send a test message")).to_have_count(0)
    assert page.url == f"{live_url}/dashboard/phone-management/"
    assert page.evaluate("window.sameDocument") is True, "loaded in place, not by navigating"


def test_without_javascript_the_sms_panel_link_opens_a_page_that_sends_a_test(
    sign_in_without_javascript, live_url
):
    user = UserFactory()
    PhoneNumberFactory(user=user, primary=True, number="+14155550123")
    page = sign_in_without_javascript(user)
    page.goto(f"{live_url}/dashboard/phone-management/")

    page.locator("#sms-testing").get_by_role("link", name="Send a test message").click()
    page.wait_for_url(f"{live_url}/dashboard/sms-tests/panel/")
    expect(page.get_by_role("heading", level=1)).to_have_text("SMS testing")
    page.get_by_label("Message").fill("Hello without JavaScript")
    page.get_by_role("button", name="Send test message").click()

    expect(page.get_by_role("status").filter(has_text="Test message queued.")).to_be_visible()
    card = page.locator(".message-card")
    expect(card).to_contain_text("To (415) 555-0123")
    expect(card).to_contain_text("Hello without JavaScript")
    expect(card.locator(".badge")).to_have_text("Queued")
    assert Message.objects.get().body == "Hello without JavaScript"
