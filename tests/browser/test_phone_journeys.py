"""Phone-number journeys as people make them: mouse, keyboard only, and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def texted_code(sms_outbox, to):
    return code_in(next(sms.body for sms in reversed(sms_outbox) if sms.to == to))


def dev_outbox_row(page, live_url, to):
    """The latest SMS to `to` on /dev/outbox/, opened in another tab: its cells' texts."""
    outbox = page.context.new_page()
    outbox.goto(f"{live_url}/dev/outbox/")
    headers = outbox.locator("thead th").all_inner_texts()
    cells = outbox.locator("tbody tr", has_text=to).first.locator("td").all_inner_texts()
    outbox.close()
    return dict(zip(headers, cells, strict=True))


def code_from_dev_outbox(page, live_url, to):
    """Read the code as a developer does without a phone: on /dev/outbox/, in another tab."""
    return code_in(dev_outbox_row(page, live_url, to)["Message"])


def code_in(sms_body):
    return re.search(r"code is (\d{6})\.", sms_body).group(1)


def test_sign_up_add_and_verify_from_the_dashboard(page, live_url, offline_sender):
    page.goto(f"{live_url}/accounts/signup/")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email address").fill("newcomer@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill("a long passphrase 77")
    page.get_by_label("Password confirmation").fill("a long passphrase 77")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{live_url}/dashboard/")

    widget = page.locator("#phone-widget")
    expect(widget).to_contain_text("Add a mobile number and confirm it")
    widget.get_by_role("link", name="Add your first number").click()
    expect(page.get_by_role("heading", name="Phone number management")).to_be_visible()
    page.evaluate("window.sameDocument = true")

    number = page.get_by_label("Phone number")
    number.fill("+1 900 234 5678")
    page.get_by_role("button", name="Add number").click()
    expect(number).to_have_accessible_description(re.compile("This is a premium-rate number"))
    expect(number).to_have_attribute("aria-invalid", "true")

    number.fill("(206) 555-0142")
    page.get_by_label("Label").first.fill("Mobile")
    page.get_by_role("button", name="Add number").click()
    row = page.locator(".phone", has_text="(206) 555-0142")
    expect(row).to_contain_text("We are sending a code to (206) 555-0142. Enter it below.")
    expect(row.get_by_role("button", name=re.compile("Resend code in"))).to_be_disabled()
    sms_panel = page.locator("#sms-testing")
    expect(sms_panel).to_contain_text("Test messages go only to numbers you have verified")

    row.get_by_label("Verification code").fill(code_from_dev_outbox(page, live_url, "+12065550142"))
    row.get_by_role("button", name="Verify").click()
    expect(row.locator(".badge-primary")).to_have_text("Primary")
    expect(page.locator("#phone-overview")).to_contain_text("(206) 555-0142")
    # The SMS panel heard of the verified number and now offers to text it.
    expect(sms_panel.get_by_label("Send to")).to_contain_text("(206) 555-0142")
    assert page.evaluate("window.sameDocument") is True, "htmx swapped in place, no reload"

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Dashboard").click()
    widget = page.locator("#phone-widget")
    expect(widget).to_contain_text("(206) 555-0142")
    expect(widget).to_contain_text("✅ Verified")
    expect(widget.locator(".badge-primary")).to_have_text("Primary")


def tab_to(page, target, limit=80):
    """Press Tab until `target` has focus, as a keyboard user would."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def test_add_and_verify_with_the_keyboard_alone(page, live_url, sign_in, sms_outbox):
    sign_in(UserFactory())
    page.goto(f"{live_url}/dashboard/")
    tab_to(page, page.get_by_role("link", name=re.compile("Manage phone numbers")))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_url}/dashboard/phone-management/?from=quick-action")

    tab_to(page, page.get_by_label("Phone number"))
    page.keyboard.type("415.555.2671")
    page.keyboard.press("Enter")
    row = page.locator(".phone", has_text="(415) 555-2671")
    expect(row).to_contain_text("We are sending a code to (415) 555-2671")

    # After "Add number" the cursor waits in the code field.
    code_field = row.get_by_label("Verification code")
    expect(code_field).to_be_focused()
    page.keyboard.type(texted_code(sms_outbox, "+14155552671"))
    page.keyboard.press("Enter")
    expect(row.locator(".badge-primary")).to_have_text("Primary")


def test_add_verify_make_primary_and_delete_without_javascript(
    sign_in_without_javascript, live_url, sms_outbox
):
    page = sign_in_without_javascript(UserFactory())
    page.goto(f"{live_url}/dashboard/phone-management/")

    for typed, e164 in [("(415) 555-2671", "+14155552671"), ("+44 7911 123456", "+447911123456")]:
        page.get_by_label("Phone number").fill(typed)
        page.get_by_role("button", name="Add number").click()
        row = page.locator(".phone", has_text=typed.split(" ", 1)[-1][-4:])
        row.get_by_label("Verification code").fill(texted_code(sms_outbox, e164))
        row.get_by_role("button", name="Verify").click()
        expect(page.get_by_role("status").or_(page.get_by_role("alert")).first).to_contain_text(
            "verified"
        )

    uk = page.locator(".phone", has_text="7911 123456")
    uk.get_by_role("button", name=re.compile("Make primary")).click()
    uk = page.locator(".phone", has_text="7911 123456")
    expect(uk.locator(".badge-primary")).to_have_text("Primary")

    us = page.locator(".phone", has_text="(415) 555-2671")
    us.get_by_role("link", name=re.compile("Delete")).click()
    page.get_by_role("button", name="Delete number").click()
    expect(page.locator(".phone", has_text="(415) 555-2671")).to_have_count(0)
    expect(page.locator("#phone-overview")).to_contain_text("+44 7911 123456")


def code_badge(row):
    return row.locator(".code-delivery .badge")


@pytest.mark.postgres  # a worker thread beside the live server needs a real database server
def test_code_row_turns_to_delivered_live_and_the_code_from_the_dev_outbox_verifies(
    page, live_url, sign_in, task_worker, settings
):
    settings.OFFLINE_SENDER_STEP_SECONDS = 0.5  # delivered by the row's first poll
    sign_in(UserFactory())
    page.goto(f"{live_url}/dashboard/phone-management/")
    page.evaluate("window.sameDocument = true")
    page.get_by_label("Phone number").fill("(206) 555-0142")
    page.get_by_role("button", name="Add number").click()

    row = page.locator(".phone", has_text="(206) 555-0142")
    expect(code_badge(row)).to_have_text(re.compile(r"^(Sending code|Code sent)$"))
    expect(code_badge(row)).to_have_text("Code delivered", timeout=10_000)
    expect(row.locator(".code-delivery")).to_contain_text("The code was delivered.")
    expect(row.locator(".code-delivery time")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    assert page.evaluate("window.sameDocument") is True, "the row changed in place, no reload"

    sms = dev_outbox_row(page, live_url, "+12065550142")
    assert (sms["Purpose"], sms["Status"]) == ("Verification code", "Delivered")
    row.get_by_label("Verification code").fill(code_in(sms["Message"]))
    row.get_by_role("button", name="Verify").click()
    expect(row.locator(".badge-ok")).to_have_text("Verified")
    expect(code_badge(row)).to_have_count(0)


@pytest.mark.postgres  # a worker thread beside the live server needs a real database server
def test_simulated_opt_out_shows_code_not_delivered_and_the_start_advice_on_the_row_live(
    page, live_url, sign_in, task_worker
):
    user = UserFactory()
    PhoneNumberFactory(user=user, number="+12065550142")
    sign_in(user)
    page.goto(f"{live_url}/dashboard/phone-management/")
    page.evaluate("window.sameDocument = true")

    row = page.locator(".phone", has_text="(206) 555-0142")
    row.get_by_label("Simulate").select_option(label="Refused: number opted out (21610)")
    row.get_by_role("button", name="Send code").click()
    expect(row).to_contain_text("We are sending a code to (206) 555-0142.")

    expect(code_badge(row)).to_have_text("Code not delivered", timeout=10_000)
    expect(code_badge(row)).to_have_class(re.compile(r"\bbadge-danger\b"))
    expect(row.locator(".code-delivery")).to_contain_text(
        "this number has opted out of our texts (it once replied STOP). "
        "Text START to +15005550006 from this phone, then send a new code."
    )
    assert page.evaluate("window.sameDocument") is True, "the row changed in place, no reload"
