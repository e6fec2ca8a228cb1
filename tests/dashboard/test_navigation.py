"""Where am I? Every signed-in page has one current menu link, and every one but the dashboard
itself (where the trail would only repeat the heading) has breadcrumbs from "Dashboard"."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from sms.models import Status
from tests.factories import MessageFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db


class Navigation(HTMLParser):
    """The links of the sidebar and of the breadcrumbs: (text, href, aria-current)."""

    def __init__(self, html):
        super().__init__()
        self.sidebar, self.breadcrumbs = [], []
        self._nav = None  # the list the links inside the open <nav> go to
        self._link = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav":
            classes = (attrs.get("class") or "").split()
            if "sidebar" in classes:
                self._nav = self.sidebar
            elif "breadcrumbs" in classes:
                self._nav = self.breadcrumbs
        elif tag == "a" and self._nav is not None:
            self._link = {
                "text": "",
                "href": attrs.get("href"),
                "current": attrs.get("aria-current"),
            }
            self._nav.append(self._link)

    def handle_endtag(self, tag):
        if tag == "a":
            if self._link is not None:
                self._link["text"] = " ".join(self._link["text"].split())
            self._link = None
        elif tag == "nav":
            self._nav = None

    def handle_data(self, data):
        if self._link is not None:
            self._link["text"] += data


@pytest.fixture
def phone(user):
    return PhoneNumberFactory(user=user, verified=True, number="+14155550123")


@pytest.fixture
def message(user, phone):
    return MessageFactory(user=user, phone=phone, status=Status.DELIVERED)


# (page, how to build its URL, the sidebar link that is current, the breadcrumb trail)
PAGES = [
    ("dashboard", lambda f: reverse("dashboard:home"), "Dashboard", []),
    (
        "phone-management",
        lambda f: reverse("phones:manage"),
        "Phone numbers",
        ["Dashboard", "Phone number management"],
    ),
    (
        "delete-confirmation",
        lambda f: reverse("phones:delete", args=[f("phone").pk]),
        "Phone numbers",
        ["Dashboard", "Phone number management", "Delete number"],
    ),
    (
        "sms-history",
        lambda f: reverse("smstest:history"),
        "SMS tests",
        ["Dashboard", "SMS test history"],
    ),
    (
        "sms-panel",
        lambda f: reverse("smstest:panel"),
        "SMS tests",
        ["Dashboard", "SMS testing"],
    ),
    (
        "sms-message",
        lambda f: reverse("smstest:message", args=[f("message").pk]),
        "SMS tests",
        ["Dashboard", "SMS test history", "Test message"],
    ),
    (
        "password-change",
        lambda f: reverse("password_change"),
        "Password",
        ["Dashboard", "Change password"],
    ),
    (
        "password-change-done",
        lambda f: reverse("password_change_done"),
        "Password",
        ["Dashboard", "Change password"],
    ),
    ("api-tokens", lambda f: reverse("api:tokens"), "API tokens", ["Dashboard", "API tokens"]),
]
PAGE_IDS = [page[0] for page in PAGES]
WITH_TRAIL = [page for page in PAGES if page[3]]


def visit(request, user_client):
    _, url_of, current, trail = request.param
    url = url_of(request.getfixturevalue)
    response = user_client.get(url)
    assert response.status_code == 200, url
    return url, Navigation(response.content.decode()), current, trail


@pytest.fixture(params=PAGES, ids=PAGE_IDS)
def visited(request, user_client):
    return visit(request, user_client)


@pytest.fixture(params=WITH_TRAIL, ids=[page[0] for page in WITH_TRAIL])
def visited_below_the_dashboard(request, user_client):
    return visit(request, user_client)


def test_breadcrumbs_start_at_the_dashboard(visited_below_the_dashboard):
    _, nav, _, _ = visited_below_the_dashboard
    assert nav.breadcrumbs, "the page has no breadcrumbs"
    first = nav.breadcrumbs[0]
    assert first["text"] == "Dashboard"
    assert first["href"] == reverse("dashboard:home")


def test_breadcrumbs_follow_the_trail_to_this_page_and_mark_only_the_last_as_current(
    visited_below_the_dashboard,
):
    _, nav, _, trail = visited_below_the_dashboard
    assert [crumb["text"] for crumb in nav.breadcrumbs] == trail
    assert [crumb["current"] for crumb in nav.breadcrumbs] == [None] * (len(trail) - 1) + ["page"]


def test_the_dashboard_has_no_trail_that_would_repeat_its_heading(user_client):
    html = user_client.get(reverse("dashboard:home")).content.decode()
    assert Navigation(html).breadcrumbs == []
    assert 'aria-label="Breadcrumb"' not in html


def test_exactly_one_sidebar_link_is_current_and_it_is_the_right_one(visited):
    _, nav, current, _ = visited
    assert [link["text"] for link in nav.sidebar] == [
        "Dashboard",
        "Phone numbers",
        "SMS tests",
        "Password",
        "API tokens",
    ]
    marked = [link for link in nav.sidebar if link["current"] is not None]
    assert [link["text"] for link in marked] == [current]
    assert marked[0]["current"] == "page"


def test_the_current_sidebar_link_leads_to_its_section(visited):
    url, nav, current, _ = visited
    sections = {
        "Dashboard": reverse("dashboard:home"),
        "Phone numbers": reverse("phones:manage") + "?from=sidebar",  # insights: the entry
        "SMS tests": reverse("smstest:history"),
        "Password": reverse("password_change"),
        "API tokens": reverse("api:tokens"),
    }
    links = {link["text"]: link["href"] for link in nav.sidebar}
    assert links == sections
    assert url.startswith(sections[current].split("?")[0])
