"""The admin's SMS spend report: what may have cost money, and which budgets tripped."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from sms.models import BudgetTrip, Status
from tests.factories import MessageFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
TODAY, YESTERDAY = date(2026, 3, 2), date(2026, 3, 1)
SPEND = reverse("admin:sms_message_spend")
CHANGELIST = reverse("admin:sms_message_changelist")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def superuser_client(client, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-42-xyz")
    client.force_login(boss)
    return client


def sms(ago, *, country="US", purpose="test", segments=1, status=Status.DELIVERED, sid=True):
    return MessageFactory(
        created_at=NOW - ago,
        country=country,
        to_number={"US": "+12065550150", "GB": "+447911123456", "CA": "+16045550101"}[country],
        purpose=purpose,
        segments=segments,
        status=status,
        twilio_sid=("SM" + uuid.uuid4().hex) if sid else None,
    )


def trip(ago, budget, country="US"):
    return BudgetTrip.objects.create(
        budget=budget, country=country, client_ip="203.0.113.7", created_at=NOW - ago
    )


@pytest.fixture
def month():
    hour, day = timedelta(hours=1), timedelta(days=1)
    # Today
    sms(hour, purpose="verification")
    sms(2 * hour, purpose="verification", status=Status.UNDELIVERED)  # Twilio took it
    sms(3 * hour, purpose="verification", status=Status.UNKNOWN, sid=False)  # may have cost
    sms(hour, segments=3)
    sms(hour, country="GB", segments=2)
    sms(hour, segments=7, status=Status.FAILED, sid=False)  # surely nothing sent: left out
    # Yesterday, and the edges of the 30 days
    sms(day, country="CA")
    sms(29 * day, purpose="verification", segments=2)
    sms(31 * day, segments=5)  # older: left out
    trip(hour, "site")
    trip(2 * hour, "site")
    trip(hour, "ip")
    trip(day, "country", "GB")
    trip(31 * day, "ip-codes")  # older: left out


def test_sms_and_segments_are_listed_per_day_country_and_purpose(superuser_client, month):
    response = superuser_client.get(SPEND)

    assert response.status_code == 200
    assert [
        (r["day"], r["country"], r["purpose"], r["messages"], r["segments"])
        for r in response.context["rows"]
    ] == [
        (TODAY, "GB", "Test message", 1, 2),
        (TODAY, "US", "Test message", 1, 3),
        (TODAY, "US", "Verification code", 3, 3),
        (YESTERDAY, "CA", "Test message", 1, 1),
        (date(2026, 2, 1), "US", "Verification code", 1, 2),
    ]
    html = response.content.decode()
    assert (
        "<tr><td>2026-03-02</td><td>US</td><td>Verification code</td><td>3</td><td>3</td></tr>"
        in html
    )
    assert (
        "<tr><td>2026-03-01</td><td>CA</td><td>Test message</td><td>1</td><td>1</td></tr>" in html
    )
    assert "2026-01-30" not in html  # 31 days ago
    assert "<td>7</td>" not in html  # the failed message that sent nothing


def test_the_budgets_that_tripped_are_listed_per_day(superuser_client, month):
    response = superuser_client.get(SPEND)

    assert [(t["day"], t["budget"], t["trips"]) for t in response.context["trips"]] == [
        (TODAY, "ip", 1),
        (TODAY, "site", 2),
        (YESTERDAY, "country", 1),
    ]
    html = response.content.decode()
    assert (
        "<tr><td>2026-03-02</td><td>SMS segments per hour for the whole site</td><td>2</td></tr>"
        in html
    )
    assert (
        "<tr><td>2026-03-01</td><td>SMS segments per hour to one country</td><td>1</td></tr>"
        in html
    )
    assert "Verification codes per hour asked for from one IP address</td><td>1" not in html


def test_the_budget_table_shows_every_budget_with_its_setting_and_limit(superuser_client, settings):
    settings.SMS_BUDGET_SEGMENTS_PER_HOUR = 1234
    settings.SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR = 567
    settings.SMS_BUDGET_PER_IP_PER_HOUR = 89
    settings.CODE_REQUESTS_PER_IP_PER_HOUR = 12

    html = superuser_client.get(SPEND).content.decode()

    for title, setting, limit in [
        ("SMS segments per hour for the whole site", "SMS_BUDGET_SEGMENTS_PER_HOUR", 1234),
        ("SMS segments per hour to one country", "SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR", 567),
        ("SMS per hour asked for from one IP address", "SMS_BUDGET_PER_IP_PER_HOUR", 89),
        (
            "Verification codes per hour asked for from one IP address",
            "CODE_REQUESTS_PER_IP_PER_HOUR",
            12,
        ),
    ]:
        assert f"<tr><td>{title}</td><td><code>{setting}</code></td><td>{limit}</td></tr>" in html


def test_an_empty_month_says_so(superuser_client):
    sms(timedelta(days=40))
    trip(timedelta(days=40), "site")
    html = superuser_client.get(SPEND).content.decode()
    assert "No SMS in this period." in html
    assert "No budget refused a send in this period." in html
    assert "SMS spend, last 30 days" in html


def test_the_message_list_links_to_the_report(superuser_client):
    html = superuser_client.get(CHANGELIST).content.decode()
    assert f'<a href="{SPEND}">SMS spend report</a>' in html


def test_the_report_is_reached_through_the_admin_and_links_back(superuser_client):
    html = superuser_client.get(SPEND).content.decode()
    assert f'<a href="{CHANGELIST}">Messages</a>' in html
    assert SPEND.startswith("/admin/sms/message/")


def test_visitors_are_sent_to_the_admin_login(client):
    response = client.get(SPEND)
    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={SPEND}"


def test_people_who_are_not_staff_are_sent_to_the_admin_login(client, user, month):
    client.force_login(user)
    response = client.get(SPEND)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_staff_without_permission_to_view_messages_are_refused(client, month):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    response = client.get(SPEND)
    assert response.status_code in (302, 403)
    assert "Verification code" not in response.content.decode()


def test_staff_with_permission_to_view_messages_see_the_report(client, month):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_message"))
    client.force_login(staff)
    response = client.get(SPEND)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 5


def test_the_report_takes_a_bounded_number_of_queries(
    superuser_client, django_assert_max_num_queries
):
    for days in range(30):
        for country in ("US", "GB", "CA"):
            sms(timedelta(days=days, hours=1), country=country)
            sms(timedelta(days=days, hours=1), country=country, purpose="verification")
        trip(timedelta(days=days, hours=1), "site")
        trip(timedelta(days=days, hours=1), "ip")

    with django_assert_max_num_queries(5):
        response = superuser_client.get(SPEND)

    assert len(response.context["rows"]) == 30 * 6
    assert len(response.context["trips"]) == 30 * 2
