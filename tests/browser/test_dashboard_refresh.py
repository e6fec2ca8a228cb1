"""The dashboard's phone widget refreshes itself in place: a change made elsewhere shows up."""

import pytest
from playwright.sync_api import expect

from tests.factories import PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_phone_widget_shows_a_change_made_in_another_tab_within_a_minute(page, live_url, sign_in):
    user = UserFactory()
    sign_in(user)
    page.clock.install()
    page.goto(f"{live_url}/dashboard/")
    page.evaluate("window.sameDocument = true")
    widget = page.locator("#phone-widget")
    expect(widget).to_contain_text("Add your first number")

    PhoneNumberFactory(user=user, primary=True, number="+14155550177")  # as another tab would
    page.clock.run_for(59_000)
    expect(widget).to_contain_text("Add your first number")
    page.clock.run_for(2_000)

    expect(widget).to_contain_text("(415) 555-0177")
    expect(widget.locator(".badge-primary")).to_have_text("Primary")
    assert page.evaluate("window.sameDocument") is True, "refreshed in place, not reloaded"
