"""A first-time user, from the root URL to a delivered test SMS, with no error on the way."""

import importlib
import re
import time

import phonenumbers
import pytest
from django.apps import apps as django_apps
from playwright.sync_api import expect

from sms.models import Status
from tests.browser.test_phone_journeys import code_from_dev_outbox
from tests.factories import MessageFactory, PhoneNumberFactory, UserFactory

# 07700 900123 sits in Ofcom's drama range, which phonenumbers does not count as a mobile.
UK_NATIONAL = next(
    typed
    for typed in ("07700 900123", "07400 900123")
    if phonenumbers.number_type(phonenumbers.parse(typed, "GB"))
    == phonenumbers.PhoneNumberType.MOBILE
)
UK_E164 = phonenumbers.format_number(
    phonenumbers.parse(UK_NATIONAL, "GB"), phonenumbers.PhoneNumberFormat.E164
)


@pytest.fixture
def seeded_templates():
    """The message templates of a fresh install. A migration seeds them, but an earlier
    transactional test flushes every table, and serialized_rollback would clash with the
    content types that flush recreates."""
    seed = importlib.import_module("smstest.migrations.0003_seed_templates").seed
    gsm7 = importlib.import_module("smstest.migrations.0004_long_template_in_gsm7")
    seed(django_apps, None)
    gsm7.use_gsm7_dashes(django_apps, None)


# htmx logs every aborted request with console.error, its afterRequest too. A fragment that
# refreshes on phones-changed (hx-sync="this:replace") aborts a refresh still in flight on
# purpose, so that two quick changes end with the newer answer; real failures still show
# as sendError, timeout or responseError, and answers of 400 or more are counted below.
INTENDED_ABORT = ("htmx:sendAbort", "htmx:afterRequest")


class Watch:
    """Counts what the person clicks, selects or presses, and notes every error the page
    shows: console errors, uncaught exceptions and HTTP responses of 400 or more."""

    def __init__(self, page):
        self.clicks = 0
        self.errors = []
        page.on(
            "console",
            lambda msg: (
                msg.type == "error"
                and not msg.text.startswith(INTENDED_ABORT)
                and self.errors.append(f"console: {msg.text}")
            ),
        )
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status} {r.url}"),
        )

    def click(self, locator):
        self.clicks += 1
        locator.click()

    def select(self, locator, text):
        """Choose the option that reads `text`, after a flag if any: "🇬🇧 United Kingdom (+44)"."""
        self.clicks += 1
        reads = re.compile(rf"^(\W+ )?{re.escape(text)}\b")
        value = locator.locator("option", has_text=reads).get_attribute("value")
        locator.select_option(value)

    def assert_no_errors(self):
        assert self.errors == [], "\n".join(self.errors)


@pytest.mark.postgres  # a worker thread beside the live server needs a real database server
@pytest.mark.django_db(transaction=True)
def test_sign_up_to_a_delivered_test_sms_in_at_most_12_clicks_with_no_error(
    page, live_url, task_worker, settings, seeded_templates
):
    settings.OFFLINE_SENDER_STEP_SECONDS = 0.5
    watch = Watch(page)
    started = time.monotonic()

    page.goto(f"{live_url}/")
    watch.click(page.get_by_role("link", name="Create an account"))
    page.get_by_label("Username").fill("firsttimer")
    page.get_by_label("Email address").fill("firsttimer@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill("a long passphrase 77")
    page.get_by_label("Password confirmation").fill("a long passphrase 77")
    watch.click(page.get_by_role("button", name="Sign up"))
    page.wait_for_url(f"{live_url}/dashboard/")

    quick_actions = page.get_by_role("region", name="Quick actions")
    watch.click(quick_actions.get_by_role("link", name=re.compile("Manage phone numbers")))
    expect(page.get_by_role("heading", name="Phone number management")).to_be_visible()
    page.evaluate("window.sameDocument = true")

    watch.select(page.get_by_label("Country"), "United Kingdom")
    page.get_by_label("Phone number").fill(UK_NATIONAL)
    watch.click(page.get_by_role("button", name="Add number"))
    row = page.locator(".phone", has_text=UK_NATIONAL[1:])  # shown as +44 7400 900123
    expect(row.get_by_label("Verification code")).to_be_visible()
    # As on a real phone, the code comes once the worker has handed it over.
    expect(row.locator(".code-delivery .badge")).to_have_text(
        re.compile(r"^Code (sent|delivered)$"), timeout=10_000
    )

    # Not a click in the product: a developer without a phone reads the code on /dev/outbox/
    # in another tab, as a real user reads it on the phone.
    row.get_by_label("Verification code").fill(code_from_dev_outbox(page, live_url, UK_E164))
    watch.click(row.get_by_role("button", name="Verify"))
    expect(row.locator(".badge-ok")).to_have_text("Verified")

    # The panel opens on the first template with its text: nothing to type.
    panel = page.locator("#sms-testing")
    expect(panel.get_by_label("Send to")).to_contain_text(UK_NATIONAL[1:])
    expect(panel.get_by_label("Message")).not_to_have_value("")
    watch.click(panel.get_by_role("button", name="Send test message"))
    card = panel.locator(".message-card").first
    expect(card.locator(".badge")).to_have_text("Delivered", timeout=10_000)
    assert page.evaluate("window.sameDocument") is True, "no reload since the phone page"

    print(f"\n{watch.clicks} clicks, {time.monotonic() - started:.1f} s")
    assert watch.clicks <= 12
    watch.assert_no_errors()


@pytest.mark.django_db(transaction=True)
def test_back_after_a_history_filter_shows_the_whole_page(page, live_url, sign_in):
    user = UserFactory()
    phone = PhoneNumberFactory(user=user, verified=True, primary=True)
    for status in (Status.DELIVERED, Status.DELIVERED, Status.UNDELIVERED, Status.QUEUED):
        MessageFactory(user=user, phone=phone, status=status, purpose="test")
    sign_in(user)
    watch = Watch(page)
    page.goto(f"{live_url}/dashboard/sms-tests/")

    def assert_whole_page():
        expect(page.get_by_role("heading", name="SMS test history", level=1)).to_be_visible()
        if page.viewport_size["width"] < 600:  # the sidebar waits behind the menu button
            expect(page.get_by_role("button", name="Menu")).to_be_visible()
            expect(page.locator("nav#sidebar[aria-label='Main']")).to_be_attached()
        else:
            expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        expect(page.get_by_label("Status")).to_be_visible()
        expect(page.locator("#history-results tbody tr")).not_to_have_count(0)

    rows = page.locator("#history-results tbody tr")
    expect(rows).to_have_count(4)
    watch.select(page.get_by_label("Status"), "Delivered")
    page.wait_for_url(re.compile(r"status=delivered"))
    expect(rows).to_have_count(2)

    # Back straight after the filter: htmx restores the unfiltered page.
    page.go_back()
    page.wait_for_url(f"{live_url}/dashboard/sms-tests/")
    assert_whole_page()
    expect(rows).to_have_count(4)

    # Filter again, leave for a message's page, and come back.
    page.get_by_label("Status").select_option(label="Delivered")
    page.wait_for_url(re.compile(r"status=delivered"))
    expect(rows).to_have_count(2)
    rows.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/dashboard/sms-tests/\d+/$"))
    page.go_back()
    page.wait_for_url(re.compile(r"status=delivered"))
    assert_whole_page()
    expect(rows).to_have_count(2)
    expect(page.get_by_label("Status")).to_have_value("delivered")
    watch.assert_no_errors()


@pytest.mark.postgres  # a worker thread beside the live server needs a real database server
@pytest.mark.django_db(transaction=True)
def test_no_console_errors_while_verifying_saving_a_label_and_polling(
    page, live_url, sign_in, task_worker, settings, seeded_templates
):
    settings.OFFLINE_SENDER_STEP_SECONDS = 1  # a few polls see Queued and Sent first
    sign_in(UserFactory())
    watch = Watch(page)
    page.goto(f"{live_url}/dashboard/phone-management/")

    page.get_by_label("Phone number").fill("(206) 555-0142")
    page.get_by_role("button", name="Add number").click()
    row = page.locator(".phone", has_text="(206) 555-0142")
    # The worker hands the code over; the outbox lists it from then on.
    expect(row.locator(".code-delivery .badge")).to_have_text(
        re.compile(r"^Code (sent|delivered)$"), timeout=10_000
    )
    row.get_by_label("Verification code").fill(code_from_dev_outbox(page, live_url, "+12065550142"))
    row.get_by_role("button", name="Verify").click()
    expect(row.locator(".badge-ok")).to_have_text("Verified")

    row.locator("summary", has_text="Edit label").click()
    row.get_by_label("Label").fill("Work phone")
    row.get_by_role("button", name="Save label").click()
    row = page.locator(".phone", has_text="(206) 555-0142")
    expect(row.locator(".phone-label")).to_have_text("Work phone")

    panel = page.locator("#sms-testing")
    # The panel reloads when the numbers change: it shows the new label, then is ready.
    expect(panel.get_by_label("Send to")).to_contain_text("Work phone")
    panel.get_by_role("button", name="Send test message").click()
    card = panel.locator(".message-card").first
    expect(card.locator(".badge")).to_be_visible()
    page.wait_for_timeout(3000)  # live status polling of the sent test
    expect(card.locator(".badge")).to_have_text("Delivered", timeout=5000)
    watch.assert_no_errors()
