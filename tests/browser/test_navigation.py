"""At phone width the sidebar folds behind a menu button that works from the keyboard."""

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_menu_button_opens_and_closes_the_sidebar_by_keyboard(
    page, live_url, sign_in, browser_context_args
):
    sign_in(UserFactory())
    sidebar = page.get_by_role("navigation", name="Main")
    toggle = page.get_by_role("button", name="Menu")
    if browser_context_args["viewport"]["width"] > 768:
        expect(toggle).to_be_hidden()
        expect(sidebar.get_by_role("link", name="Phone numbers")).to_be_visible()
        return
    expect(sidebar).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(sidebar.get_by_role("link", name="Dashboard")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_url}/dashboard/phone-management/?from=sidebar")
    # Folded again on the new page, but it still marks where we are.
    expect(page.locator('#sidebar a[aria-current="page"]')).to_have_text("Phone numbers")
    toggle = page.get_by_role("button", name="Menu")
    toggle.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(toggle).to_be_focused()
