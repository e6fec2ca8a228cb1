"""A new user adds a number, is told what is wrong with a bad one, and verifies a good one."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_add_a_number_and_verify_it_with_the_texted_code(page, live_server, sms_outbox):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email address").fill("newcomer@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill("a long passphrase 77")
    page.get_by_label("Password confirmation").fill("a long passphrase 77")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.goto(f"{live_server.url}/dashboard/phone-management/")
    expect(page.get_by_role("heading", name="Phone Number Management")).to_be_visible()
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
    expect(row).to_contain_text("We sent a code to (206) 555-0142")
    expect(row.get_by_role("button", name=re.compile("Resend code in"))).to_be_disabled()

    [sms] = sms_outbox
    assert sms.to == "+12065550142"
    code = re.search(r"code is (\d{6})\.", sms.body).group(1)
    row.get_by_label("Verification code").fill(code)
    row.get_by_role("button", name="Verify").click()

    expect(row.locator(".badge-primary")).to_have_text("Primary")
    expect(row).to_contain_text("(206) 555-0142 is verified. It is your primary number.")
    expect(page.locator("#phone-overview")).to_contain_text("(206) 555-0142")
    assert page.evaluate("window.sameDocument") is True, "htmx swapped in place, no reload"
