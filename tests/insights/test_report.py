"""Every figure of the insights page against a hand-built data set with known answers."""

from datetime import timedelta

import pytest
from django.urls import reverse

from insights import report
from insights.models import Entry, ViewLatency
from phones.models import PhoneEvent
from sms.models import Status

from .conftest import DAY, HOUR, NOW, account, added, event, number, sms, visit

pytestmark = pytest.mark.django_db


def build(days=30):
    return report.build(days, now=NOW)


def metric(data, key):
    return next(m for m in data.metrics if m.key == key)


# Periods and weeks


def test_weeks_are_counted_back_from_today_and_the_oldest_may_be_short():
    period = report.Period.ending(30, NOW)
    weeks = period.weeks
    assert len(weeks) == 5
    assert (weeks[-1].first.isoformat(), weeks[-1].last.isoformat()) == ("2026-02-24", "2026-03-02")
    assert (weeks[0].first.isoformat(), weeks[0].last.isoformat()) == ("2026-02-01", "2026-02-02")
    assert weeks[0].partial and not weeks[1].partial
    assert period.week_index(NOW.date()) == 4
    assert period.week_index(NOW.date() - timedelta(days=7)) == 3
    assert period.week_index(NOW.date() - timedelta(days=30)) is None
    assert len(report.Period.ending(7, NOW).weeks) == 1
    assert len(report.Period.ending(90, NOW).weeks) == 13


# Discovery: 10 accounts whose first week is over, 7 found phone management in it


@pytest.fixture
def cohort():
    users = [account(timedelta(days=10)) for _ in range(10)]
    entries = [Entry.QUICK_ACTION] * 3 + [Entry.SIDEBAR] * 2 + [Entry.PHONE_WIDGET, Entry.DASHBOARD]
    for user, entry in zip(users, entries, strict=False):
        visit(user, timedelta(days=2), entry)
    visit(users[7], timedelta(days=8, hours=1), Entry.OTHER_PAGE)  # after its first week
    # Outside the cohort: the first week is not over, or ended before the period.
    visit(account(timedelta(days=3)), HOUR, Entry.DIRECT)
    visit(account(timedelta(days=45)), HOUR, Entry.DIRECT)
    return users


def test_discovery_is_the_share_of_the_cohort_with_a_first_visit_in_week_one(cohort):
    data = build()
    assert (data.discovery.size, data.discovery.reached) == (10, 7)
    assert metric(data, "discovery").value == pytest.approx(0.7)
    assert metric(data, "discovery").value_text == "70%"
    assert metric(data, "discovery").met is False  # the target is 80 %
    split = {entry: count for entry, count, _ in data.discovery.by_entry}
    assert split == {
        Entry.QUICK_ACTION: 3,
        Entry.SIDEBAR: 2,
        Entry.PHONE_WIDGET: 1,
        Entry.DASHBOARD: 1,
        Entry.OTHER_PAGE: 0,
        Entry.DIRECT: 0,
    }
    assert data.discovery.missed_count == 3


def test_discovery_trend_counts_each_account_in_the_week_its_first_week_ended(cohort):
    # Joined 10 days ago: the first week ended 3 days ago, in the last week of the period.
    trend = metric(build(), "discovery").trend
    assert [point.text for point in trend] == ["—", "—", "—", "—", "70%"]
    assert trend[-1].met is False


def test_discovery_on_the_page_with_its_split(staff_client, cohort, clock):
    html = staff_client.get(reverse("insights:insights")).content.decode()
    section = html[html.index('id="discovery"') : html.index('id="funnel"')]
    assert "<strong>70%</strong>" in section
    assert (
        '<th scope="row">Dashboard quick action</th><td class="num">3</td><td class="num">30%</td>'
        in section
    )
    assert '<th scope="row">Sidebar</th><td class="num">2</td><td class="num">20%</td>' in section
    assert (
        '<th scope="row">Not within 7 days</th><td class="num">3</td><td class="num">30%</td>'
        in section
    )


# SMS testing within two weeks


def test_sms_testing_is_the_share_of_the_cohort_that_sent_a_test_in_two_weeks():
    users = [account(timedelta(days=20)) for _ in range(10)]
    for n, user in enumerate(users[:7]):
        sms(user, number("US", n), at=user.date_joined + timedelta(days=n + 1))
    sms(users[7], number("US", 7), at=users[7].date_joined + timedelta(days=16))  # too late
    sms(users[8], number("US", 8), at=users[8].date_joined, purpose="verification")  # a code
    data = build()
    assert (data.testing.size, data.testing.reached) == (10, 7)
    assert metric(data, "testing").value_text == "70%"
    assert metric(data, "testing").met is True


# Verification funnel: matched by account and number, within a day of adding


@pytest.fixture
def funnel():
    at = NOW - 3 * DAY
    user = account(timedelta(days=30))
    codes = {"purpose": "verification"}
    phones = [added(user, "US", n, at) for n in range(6)]
    a, b, c, d, e, _f = phones
    for phone in (a, b, d):
        sms(user, phone.number, at=at + HOUR, **codes)
    sms(user, c.number, at=at + HOUR, status=Status.SENT, **codes)  # no delivery report
    sms(user, e.number, at=at + HOUR, status=Status.FAILED, sid=False, code=21610, **codes)
    for phone in (a, b, c):
        event(phone, PhoneEvent.Kind.VERIFIED, at + 2 * HOUR)
    late = added(user, "US", 10, at)
    sms(user, late.number, at=at + 2 * DAY, **codes)  # a day too late: not counted
    event(late, PhoneEvent.Kind.VERIFIED, at + 2 * DAY)
    # GB numbers deleted since: their country comes from their SMS.
    other = account(timedelta(days=30))
    g, h = added(other, "GB", 1, at), added(other, "GB", 2, at)
    for phone in (g, h):
        sms(other, phone.number, at=at + HOUR, country="GB", **codes)
    event(g, PhoneEvent.Kind.VERIFIED, at + 3 * HOUR)
    g.delete()
    h.delete()
    # Added today: its first 24 hours are not over.
    added(user, "CA", 1, NOW - HOUR)


def test_funnel_steps_and_drop_off_by_country(funnel):
    data = build()
    rows = {row.country: row for row in data.funnel[1:]}
    us, gb = rows["US"], rows["GB"]
    assert (us.added, us.sent, us.delivered, us.verified) == (7, 4, 4, 3)
    assert (gb.added, gb.sent, gb.delivered, gb.verified) == (2, 2, 2, 1)
    total = data.funnel[0]
    assert (total.added, total.sent, total.delivered, total.verified) == (9, 6, 6, 4)
    steps = total.steps
    assert [(title, count) for title, count, _, _ in steps] == [
        ("Numbers added", 9),
        ("Code sent", 6),
        ("Code delivered", 6),
        ("Verified", 4),
    ]
    assert steps[1][3].part == 3 and steps[1][3].percent == "33.3%"  # lost before a code
    assert steps[3][3].part == 2
    assert metric(data, "verification").value_text == "44.4%"
    assert metric(data, "verification").basis == "4 of 9 numbers"


def test_funnel_on_the_page(staff_client, funnel, clock):
    html = staff_client.get(reverse("insights:insights")).content.decode()
    section = html[html.index('id="funnel"') : html.index('id="delivery"')]
    assert '<th scope="col" class="num">US</th><th scope="col" class="num">GB</th>' in section
    assert '6<span class="drop">\N{MINUS SIGN}3 (33.3%)</span>' in section


# Delivery: outcomes, rates, error codes, time to delivery


@pytest.fixture
def deliveries():
    at = NOW - 2 * DAY
    user = account(timedelta(days=60))
    codes = {"purpose": "verification"}
    for n in range(1, 10):
        sms(user, number("US", n), at=at, took=timedelta(seconds=n), **codes)
    sms(user, number("US", 20), at=at, status=Status.UNDELIVERED, code=30003, **codes)
    for n in range(18):
        sms(user, number("GB", n), at=at, country="GB", segments=2, took=timedelta(seconds=10))
    sms(user, number("GB", 30), at=at, country="GB", status=Status.FAILED, code=30006)
    sms(user, number("GB", 31), at=at, country="GB", status=Status.UNKNOWN, sid=False)
    sms(user, number("GB", 32), at=NOW - 3 * DAY, country="GB", status=Status.SENT)  # no report
    sms(user, number("GB", 33), at=NOW - HOUR, country="GB", status=Status.QUEUED)  # in flight
    # Never handed to Twilio (a number removed before the worker sent it): not counted.
    sms(user, number("GB", 34), at=at, country="GB", status=Status.FAILED, sid=False)
    sms(user, number("GB", 35), at=NOW - 40 * DAY, country="GB")  # before the period


def test_delivery_outcomes_and_rates(deliveries):
    data = build()
    codes, tests = data.delivery.totals["verification"], data.delivery.totals["test"]
    assert (codes.delivered, codes.undelivered, codes.failed, codes.unknown) == (9, 1, 0, 0)
    assert (tests.delivered, tests.failed, tests.unknown) == (18, 1, 2)
    assert (tests.in_flight, tests.withheld) == (1, 1)
    assert codes.ratio.percent == "90%"
    assert tests.ratio.percent == "85.7%"
    assert metric(data, "delivery").value_text == "87.1%"  # 27 of 31
    assert metric(data, "delivery").met is False
    by_country = data.delivery.by_country
    assert by_country["US"]["verification"].ratio.percent == "90%"
    assert by_country["GB"]["test"].ratio.percent == "85.7%"


def test_top_error_codes_are_explained_and_split_by_purpose(deliveries):
    errors = build().delivery.errors
    assert [(e["error_code"], e["codes"], e["tests"]) for e in errors] == [
        (30003, 1, 0),
        (30006, 0, 1),
    ]
    assert errors[0]["explanation"].title


def test_time_to_delivery_percentiles_interpolate_like_percentile_cont(deliveries):
    times = build().delivery.times
    n, p50, p95 = times["verification"]
    assert n == 9
    assert p50 == pytest.approx(5.0)
    assert p95 == pytest.approx(8.6)  # 8 s + 0.6 of the way to 9 s
    assert times["test"][1:] == (pytest.approx(10.0), pytest.approx(10.0))


def test_cost_counts_segments_of_what_may_have_cost_money(deliveries):
    cost = build().cost
    day = (NOW - 2 * DAY).date()
    assert cost.by_day[day] == {"verification": 10, "test": 2 * 18 + 1 + 1}
    assert cost.by_country["US"]["verification"] == [10, 10]
    # 18 delivered (2 segments each), 1 failed at Twilio, 1 unknown, 1 with no report, 1
    # in flight: the one never handed over and the one before the period are left out.
    assert cost.by_country["GB"]["test"] == [22, 40]
    assert cost.countries == ["GB", "US"]
    assert cost.cells[day, "GB", "test"] == 38


# Response times, from the daily histograms


def test_latency_p95_and_target_from_the_histogram_rows():
    today = NOW.date()
    rows = [
        ("dashboard:phone_widget", 100, 90),
        ("dashboard:phone_widget", 500, 6),
        ("dashboard:phone_widget", 750, 4),
        ("smstest:message", 200, 90),
        ("smstest:message", 300, 10),
        ("dashboard:home", 100, 0),
        ("sms:twilio_status", 100, 50),  # no target: not read
    ]
    ViewLatency.objects.bulk_create(
        ViewLatency(view=view, day=today, le_ms=le, count=n) for view, le, n in rows
    )
    data = build()
    widget, tests = metric(data, "phone_widget"), metric(data, "sms_tests")
    assert widget.value == pytest.approx(100 + 400 * 5 / 6)
    assert widget.met is True  # 96 of 100 within 500 ms
    assert widget.basis == "96% of 100 requests within the target"
    assert tests.value == pytest.approx(250)
    assert tests.met is False  # 90 % within 200 ms
    assert [point.met for point in tests.trend] == [None, None, None, None, False]


def test_bucket_quantile_edges():
    assert report.bucket_quantile(0.95, {}) is None
    assert report.bucket_quantile(0.5, {100: 10}) == pytest.approx(50)
    overflow = report.latency.OVERFLOW_MS
    assert report.bucket_quantile(0.95, {100: 1, overflow: 99}) == overflow
    assert report.milliseconds(overflow) == "over 10,000 ms"
