"""What app.js and the stylesheet do on the phone page, in headless Chromium: the delete dialog,
the label editor, where the focus goes after a swap, the code's countdown, anchors below the
sticky header, and no Content-Security-Policy refusal while htmx updates the page."""

import re

import pytest
from playwright.sync_api import expect

from sms.models import Message
from tests.factories import PhoneNumberFactory, UserFactory
from tests.signing_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MANAGE = "/dashboard/phone-management/"


@pytest.fixture
def signed_in(page, live_server):
    """Signs `user` in and opens `path`; returns the page."""

    def open_as(user, path=MANAGE, viewport=(1280, 800)):
        page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        sign_in(page, live_server.url, user)
        page.goto(live_server.url + path)
        return page

    return open_as


@pytest.fixture
def console(page):
    messages = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    return messages


def test_delete_asks_in_a_dialog_that_escape_and_cancel_close_giving_the_focus_back(signed_in):
    user = UserFactory()
    PhoneNumberFactory(user=user, primary=True, number="+12065550101")
    page = signed_in(user)
    delete = page.get_by_role("link", name="Delete (206) 555-0101")

    delete.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Delete (206) 555-0101?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("This is your primary number.")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    assert page.url.endswith(MANAGE), "the link was not followed"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(delete).to_be_focused()

    delete.click()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(delete).to_be_focused()
    expect(page.locator(".phone")).to_have_count(1)


def test_deleting_from_the_dialog_leaves_the_focus_on_the_removal_notice(signed_in):
    user = UserFactory()
    PhoneNumberFactory(user=user, primary=True, number="+12065550101")
    PhoneNumberFactory(user=user, verified=True, number="+12065550102")
    page = signed_in(user)
    page.get_by_role("link", name="Delete (206) 555-0101").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete number").click()

    notice = page.locator(".phone-removed")
    expect(notice).to_have_text(
        "Deleted (206) 555-0101. (206) 555-0102 is now your primary number."
    )
    expect(notice).to_be_focused()


def test_the_label_editor_opens_below_the_buttons_and_escape_closes_it(signed_in):
    user = UserFactory()
    PhoneNumberFactory(user=user, verified=True, number="+12065550101")
    PhoneNumberFactory(user=user, primary=True, number="+12065550102")
    page = signed_in(user)
    row = page.locator(".phone", has_text="(206) 555-0101")
    buttons = [
        row.get_by_role("button", name=re.compile("Make primary")),
        row.locator(".button-delete"),
    ]
    before = [button.bounding_box() for button in buttons]

    editor = row.locator("summary")
    editor.click()
    label = row.get_by_label("Label")
    expect(label).to_be_visible()
    assert [button.bounding_box() for button in buttons] == before, "a button moved"
    assert label.bounding_box()["y"] > before[1]["y"] + before[1]["height"], "not below the row"

    label.focus()
    page.keyboard.press("Escape")
    expect(label).to_be_hidden()
    expect(editor).to_be_focused()


def test_after_each_action_the_focus_is_on_the_rows_notice_not_lost(signed_in):
    user = UserFactory()
    PhoneNumberFactory(user=user, primary=True, number="+12065550101")
    PhoneNumberFactory(user=user, verified=True, number="+12065550102")
    page = signed_in(user)
    row = page.locator(".phone", has_text="(206) 555-0102")

    row.locator("summary").click()
    row.get_by_label("Label").fill("Home")
    row.get_by_label("Label").press("Enter")
    expect(row.locator(".notice-focus")).to_have_text("Label saved.")
    expect(row.locator(".notice-focus")).to_be_focused()

    row.get_by_role("button", name=re.compile("Make primary")).focus()
    page.keyboard.press("Enter")
    expect(row.locator(".notice-focus")).to_have_text("(206) 555-0102 is now primary.")
    expect(row.locator(".notice-focus")).to_be_focused()


def test_the_code_counts_down_and_at_zero_the_row_says_it_has_expired(signed_in, settings):
    settings.VERIFICATION_CODE_TTL_SECONDS = 4
    user = UserFactory()
    phone = PhoneNumberFactory(user=user, number="+12065550101")
    page = signed_in(user)
    phone.start_verification()
    # Delivered: the row stops polling, so only the countdown changes what it says.
    Message.objects.filter(pk=phone.code_message_id).update(status=Message.Status.DELIVERED)
    page.reload()
    meta = page.locator(".phone .item-meta")
    expect(meta).to_contain_text(re.compile(r"it expires in [34] seconds\."))
    expect(meta).to_contain_text("it expires in 2 seconds.")
    expect(meta).to_contain_text("it expires in 1 second.")
    # Then the countdown says so, and htmx fetches the code's state from the server.
    expect(meta).to_have_text("The last code has expired: send a new one.", timeout=6_000)
    # Meanwhile "Resend code" has counted its cooldown down too.
    resend = page.get_by_role("button", name=re.compile("Resend code in"))
    expect(resend).to_have_text(re.compile(r"^\s*Resend code in 5[0-7] s\s*$"))
    expect(resend).to_be_disabled()


def test_links_to_a_row_or_a_section_land_below_the_sticky_header(signed_in):
    user = UserFactory()
    phones = [PhoneNumberFactory(user=user, number=f"+1206555{n:04d}") for n in range(101, 107)]
    page = signed_in(user, path=f"{MANAGE}#phone-{phones[-1].pk}")
    header = page.locator(".topbar").bounding_box()
    below_header = header["y"] + header["height"]
    for anchor in [f"phone-{phones[-1].pk}", "add-phone", "sms-testing"]:
        page.goto(f"{page.url.split('#')[0]}#{anchor}")
        top = page.locator(f"#{anchor}").bounding_box()["y"]
        at_the_end = page.evaluate("scrollY + innerHeight >= document.body.scrollHeight - 1")
        assert top >= below_header, f"#{anchor} is under the header"
        assert top < below_header + 40 or at_the_end, f"#{anchor} is not at the top: {top}"


def test_htmx_updates_raise_no_content_security_policy_error(signed_in, console):
    user = UserFactory()
    PhoneNumberFactory(user=user, number="+12065550101").start_verification()
    page = signed_in(user)
    row = page.locator(".phone")
    # Styled as a resized textarea or a browser extension would leave it: htmx used to copy
    # the attribute onto the swapped-in field, which the policy refuses.
    row.get_by_label("Verification code").evaluate("field => field.style.outline = '1px solid'")
    row.get_by_label("Verification code").fill("000000")
    row.get_by_role("button", name="Verify").click()
    expect(row).to_contain_text("That code is not right.")
    page.wait_for_timeout(2_500)  # a poll of the code's state
    assert [text for text in console if "Content Security Policy" in text] == []
