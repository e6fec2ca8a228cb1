"""The staff insights page: who sees it, its period chooser, its markup and its queries."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from insights.models import Entry

from .conftest import DAY, NOW, account, added, sms, visit

pytestmark = pytest.mark.django_db
URL = reverse("insights:insights")


@pytest.fixture(autouse=True)
def frozen(clock):
    """The data below is dated from NOW: the page must see it as today does."""


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_people_who_are_not_staff_get_a_404(user_client):
    assert user_client.get(URL).status_code == 404


def test_staff_see_the_page_for_30_days_by_default(staff_client):
    response = staff_client.get(URL)
    assert response.status_code == 200
    assert response.context["period"].days == 30
    html = response.content.decode()
    assert '<a href="?days=30" aria-current="page">30 days</a>' in html
    assert '<a href="?days=7">7 days</a>' in html
    assert '<a href="?days=90">90 days</a>' in html
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.parametrize(("asked", "shown"), [("7", 7), ("90", 90), ("31", 30), ("x", 30)])
def test_the_period_comes_from_the_query_string(staff_client, asked, shown):
    response = staff_client.get(URL, {"days": asked})
    assert response.context["period"].days == shown


def test_the_admin_index_links_the_page(client, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-42-xyz")
    client.force_login(boss)
    html = client.get(reverse("admin:index")).content.decode()
    assert f'<a href="{URL}">Staff insights</a>' in html
    assert "Authentication and Authorization" in html  # the usual app list is still there


def test_every_chart_is_a_labelled_image_in_a_figure_beside_its_table(staff_client):
    html = staff_client.get(URL).content.decode()
    charts = re.findall(r"<svg [^>]*>", html)
    assert len(charts) >= 12
    for chart in charts:
        if 'class="chart"' in chart:
            assert 'role="img"' in chart and "aria-labelledby=" in chart
    for chart_id in re.findall(r'aria-labelledby="([\w-]+)-title', html):
        assert f'<title id="{chart_id}-title">' in html
        assert f'<desc id="{chart_id}-desc">' in html
    figures = html.count("<figure")
    assert figures == html.count("<figcaption>") >= 8
    assert html.count("<caption") == html.count("<table")
    assert '<th scope="col">' in html and '<th scope="row">' in html
    for heading in ("Success metrics", "Discovery", "Verification funnel", "SMS delivery", "Cost"):
        assert f">{heading}" in html


def test_the_page_holds_under_the_strict_csp(staff_client):
    """No inline script or style, no style attribute, nothing from another origin."""
    response = staff_client.get(URL)
    html = response.content.decode()
    body = html[html.index("<main") :]
    assert "<script" not in body
    assert "<style" not in body
    assert " style=" not in html
    assert (
        "style-src" not in response.get("Content-Security-Policy", "")
        or "'unsafe-inline'" not in response["Content-Security-Policy"]
    )
    sources = re.findall(r'(?:src|href)="(https?:)?//', html)
    assert not [s for s in sources if s]
    assert '<link rel="stylesheet" href="/static/insights/insights.css">' in html


def fill(users, base):
    """Accounts, visits, numbers and SMS: `users` of each, numbered from `base`."""
    for n in range(users):
        user = account(timedelta(days=9 + n % 20))
        visit(user, timedelta(days=1), Entry.SIDEBAR)
        phone = added(user, "US", base + n, NOW - (2 + n % 20) * DAY)
        for k in range(3):
            sms(user, phone.number, at=NOW - (1 + k) * DAY, took=timedelta(seconds=k + 1))
        code = {"purpose": "verification", "at": NOW - 3 * DAY}
        sms(user, phone.number, code=30003, status="undelivered", **code)
        sms(user, phone.number, took=timedelta(seconds=5), **code)


def page_queries(client, days):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"days": days})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("days", [7, 30, 90])
def test_the_page_takes_a_fixed_small_number_of_queries(
    staff_client, days, django_assert_max_num_queries
):
    fill(3, 0)
    few = page_queries(staff_client, days)
    fill(40, 100)
    # Session and user, the page's 6 queries (10 on SQLite, where each delivery-time
    # percentile takes one), a savepoint pair (the test's transaction), and on PostgreSQL
    # the SET LOCAL: 11 on PostgreSQL, 14 on SQLite.
    with django_assert_max_num_queries(15):
        many = page_queries(staff_client, days)
    assert many == few


def test_the_page_renders_on_a_seeded_data_set(staff_client, django_assert_max_num_queries):
    call_command("seed_insights", users=60, messages=600, days=100, force=True, stdout=None)
    for days in (7, 30, 90):
        with django_assert_max_num_queries(15):
            response = staff_client.get(URL, {"days": days})
        assert response.status_code == 200
        figures = response.context["report"]
        assert figures.discovery.size > 0
        assert figures.funnel[0].added > 0
        assert figures.delivery.overall.counted > 0
        assert figures.cost.total > 0


def test_the_measurements_are_listed_read_only_in_the_admin(client, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-42-xyz")
    client.force_login(boss)
    visit(account(timedelta(days=3)), timedelta(hours=1), Entry.SIDEBAR)
    for model in ("phonemanagementvisit", "viewlatency"):
        assert client.get(reverse(f"admin:insights_{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:insights_{model}_add")).status_code == 403
