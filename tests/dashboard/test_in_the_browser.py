"""The layout in headless Chromium: a short page does not scroll, the phone widget is on the
first screen of a phone, and the first quick action is not a pale slab in dark mode."""

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory
from tests.signing_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def signed_in(page, live_server):
    def open_as(user, path="/dashboard/", viewport=DESKTOP):
        page.set_viewport_size(viewport)
        sign_in(page, live_server.url, user)
        page.goto(live_server.url + path)
        return page

    return open_as


def overflow(page):
    return page.evaluate("document.documentElement.scrollHeight - innerHeight")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_short_pages_do_not_scroll(signed_in, page, live_server, viewport):
    signed_in(UserFactory(), path="/accounts/password_change/done/", viewport=viewport)
    assert overflow(page) == 0
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    assert overflow(page) == 0


def test_at_phone_width_the_phone_widget_is_on_the_first_screen(signed_in):
    page = signed_in(UserFactory(), viewport=PHONE)
    widget = page.locator("#phone-widget")
    expect(widget.get_by_role("link", name="Add your first number")).to_be_in_viewport()
    assert widget.bounding_box()["y"] < page.locator(".dashboard-actions").bounding_box()["y"]


def test_in_dark_mode_the_first_quick_action_is_a_dark_card_no_wider_than_the_others(signed_in):
    page = signed_in(UserFactory())
    page.emulate_media(color_scheme="dark")
    cards = page.locator(".action-card")
    primary = cards.first
    background = primary.evaluate("card => getComputedStyle(card).backgroundColor")
    red, green, blue = (int(part) for part in background[4:-1].split(",")[:3])
    assert max(red, green, blue) < 100, f"a pale card: {background}"
    widths = {round(card.bounding_box()["width"]) for card in cards.all()}
    assert len(widths) == 1, widths
