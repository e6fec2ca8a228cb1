"""How people first reach phone management: recorded once per account, from ?from= or the
Referer's path, and nothing else about them."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from insights.models import Entry, PhoneManagementVisit

pytestmark = pytest.mark.django_db
MANAGE = reverse("phones:manage")
HOME = "https://testserver" + reverse("dashboard:home")


def first_entry():
    return PhoneManagementVisit.objects.get().entry


@pytest.mark.parametrize(
    ("marked", "entry"),
    [
        ("quick-action", Entry.QUICK_ACTION),
        ("widget", Entry.PHONE_WIDGET),
        ("sidebar", Entry.SIDEBAR),
    ],
)
def test_a_marked_link_says_which_it_was(user_client, marked, entry):
    response = user_client.get(MANAGE, {"from": marked}, HTTP_REFERER=HOME)
    assert response.status_code == 200
    assert first_entry() == entry


@pytest.mark.parametrize(
    ("referer", "entry"),
    [
        (HOME, Entry.DASHBOARD),
        ("http://testserver/dashboard/", Entry.DASHBOARD),
        ("http://testserver/dashboard/sms-tests/", Entry.OTHER_PAGE),
        ("http://testserver/dashboard/phone-management/", Entry.OTHER_PAGE),
        ("https://elsewhere.example/dashboard/", Entry.DIRECT),
        ("", Entry.DIRECT),
    ],
)
def test_an_unmarked_link_is_told_by_the_referers_path(user_client, referer, entry):
    user_client.get(MANAGE, HTTP_REFERER=referer) if referer else user_client.get(MANAGE)
    assert first_entry() == entry


def test_an_unknown_from_value_is_ignored(user_client):
    user_client.get(MANAGE, {"from": "newsletter"}, HTTP_REFERER=HOME)
    assert first_entry() == Entry.DASHBOARD


def test_only_the_first_visit_counts(user_client, client, user):
    user_client.get(MANAGE, {"from": "widget"})
    user_client.get(MANAGE, {"from": "sidebar"})
    # Another session (another browser) of the same account: still the first visit.
    client.logout()
    client.force_login(user)
    client.get(MANAGE, {"from": "sidebar"})
    assert PhoneManagementVisit.objects.count() == 1
    assert first_entry() == Entry.PHONE_WIDGET


def test_later_visits_in_the_session_cost_no_query(user_client):
    user_client.get(MANAGE)
    with CaptureQueriesContext(connection) as again:
        user_client.get(MANAGE)
    written = [q["sql"] for q in again.captured_queries if "insights_" in q["sql"]]
    written += [
        q["sql"] for q in again.captured_queries if q["sql"].startswith('UPDATE "django_session')
    ]
    assert written == []


def test_nothing_is_recorded_for_anonymous_htmx_or_other_requests(user_client):
    assert Client().get(MANAGE).status_code == 302  # to sign in
    user_client.get(MANAGE, HTTP_HX_REQUEST="true")
    user_client.get(reverse("dashboard:home"))
    user_client.post(reverse("phones:add"), {"number": "+12065550123"})
    assert not PhoneManagementVisit.objects.exists()


def test_the_visit_holds_the_account_the_entry_and_the_time_only():
    fields = {field.name for field in PhoneManagementVisit._meta.get_fields()}
    assert fields == {"id", "user", "entry", "created_at"}
