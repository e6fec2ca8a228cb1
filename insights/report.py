"""The figures of the staff insights page, for a period of 7, 30 or 90 days.

Every figure comes from an aggregate query grouped by day (and country, purpose…), never
from rows fetched one by one: the page makes the same small number of queries whatever the
size of the tables: 6 on PostgreSQL (and a SET LOCAL), 10 on SQLite, where each
delivery-time percentile takes a query of its own. Python only folds the days into weeks.

Cohort figures are counted once their window has closed, so a figure never changes after
it is shown: "found phone management within 7 days of signing up" counts the accounts whose
first 7 days ended in the period; the same for 14 days of SMS testing and for 24 hours of
verifying a number.
"""

import math
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.utils import timezone

from phones.models import PhoneEvent
from sms.models import FINAL_STATUSES, Message, Purpose, Status
from sms.twilio_errors import explain

from . import latency
from .models import Entry, ViewLatency

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30

DISCOVERY_WINDOW = timedelta(days=7)
TESTING_WINDOW = timedelta(days=14)
VERIFICATION_WINDOW = timedelta(days=1)
# A message with no final status this long after it was created counts as outcome unknown
# (some carriers never report delivery); younger ones are still in flight.
DELIVERY_GRACE = timedelta(days=1)
TOP_ERRORS = 10

PURPOSES = (Purpose.VERIFICATION, Purpose.TEST)
PURPOSE_TITLES = {Purpose.VERIFICATION: "Codes", Purpose.TEST: "Tests"}
NOT_FINAL = [status for status in Status if status not in FINAL_STATUSES]
WAITING = [status for status in NOT_FINAL if status != Status.UNKNOWN]


# The period and its weeks


@dataclass(frozen=True)
class Week:
    first: date
    last: date
    partial: bool

    @property
    def label(self):
        dash = "\N{EN DASH}"
        if self.first == self.last:
            return f"{self.first:%b} {self.first.day}"
        if self.first.month == self.last.month:
            return f"{self.first:%b} {self.first.day}{dash}{self.last.day}"
        return f"{self.first:%b} {self.first.day} {dash} {self.last:%b} {self.last.day}"


@dataclass(frozen=True)
class Period:
    """The last `days` days, today included, in the site's time zone."""

    days: int
    now: datetime
    first: date
    last: date

    @classmethod
    def ending(cls, days, now=None):
        now = now or timezone.now()
        last = timezone.localdate(now)
        return cls(days, now, last - timedelta(days=days - 1), last)

    @property
    def start(self):
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def end(self):
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))

    @cached_property
    def dates(self):
        return [self.first + timedelta(days=n) for n in range(self.days)]

    @cached_property
    def weeks(self):
        """Blocks of 7 days counted back from today, oldest first; the oldest may be short."""
        weeks = []
        for k in range(math.ceil(self.days / 7)):
            last = self.last - timedelta(days=7 * k)
            first = max(self.first, last - timedelta(days=6))
            weeks.append(Week(first, last, (last - first).days < 6))
        return weeks[::-1]

    def week_index(self, day):
        if not self.first <= day <= self.last:
            return None
        return math.ceil(self.days / 7) - 1 - (self.last - day).days // 7


# Values


@dataclass(frozen=True)
class Ratio:
    part: int
    whole: int

    @property
    def value(self):
        return self.part / self.whole if self.whole else None

    @property
    def percent(self):
        return percent(self.value)


def percent(value):
    if value is None:
        return "—"
    text = f"{value * 100:.1f}"
    return f"{text.removesuffix('.0')}%"


def milliseconds(value):
    if value is None:
        return "—"
    if value >= latency.OVERFLOW_MS:
        return f"over {latency.BUCKETS_MS[-1]:,} ms"
    return f"{value:,.0f} ms"


def seconds_text(value):
    if value is None:
        return "—"
    if value < 60:
        return f"{value:.1f} s"
    return f"{value / 60:.1f} min"


@dataclass
class TrendPoint:
    week: Week
    value: float | None
    text: str
    met: bool | None


@dataclass
class SuccessMetric:
    key: str
    title: str
    definition: str
    target: float
    target_text: str
    value: float | None
    value_text: str
    basis: str  # what the value is counted over, e.g. "412 of 530 accounts"
    trend: list[TrendPoint]
    met: bool | None
    higher_is_better: bool = True


def meets(value, target, higher_is_better=True):
    if value is None:
        return None
    return value >= target if higher_is_better else value <= target


# Section results


@dataclass
class Cohort:
    """Accounts whose first days (a window) ended in the period, and how many of them did
    something within that window: opened phone management, or sent a test message."""

    size: int
    reached: int
    joined_from: date
    joined_to: date
    by_entry: list  # (Entry, count, Ratio of the cohort); discovery only
    weekly: list  # Ratio per week, by the week the window closed

    @property
    def ratio(self):
        return Ratio(self.reached, self.size)

    @property
    def missed_count(self):
        return self.size - self.reached

    @property
    def missed(self):
        return Ratio(self.missed_count, self.size)


@dataclass
class FunnelRow:
    country: str
    added: int = 0
    sent: int = 0
    delivered: int = 0
    verified: int = 0

    def add(self, other):
        self.added += other.added
        self.sent += other.sent
        self.delivered += other.delivered
        self.verified += other.verified

    @property
    def steps(self):
        """(title, count, share of the step before, drop-off from the step before)."""
        steps, before = [], None
        for title, count in (
            ("Numbers added", self.added),
            ("Code sent", self.sent),
            ("Code delivered", self.delivered),
            ("Verified", self.verified),
        ):
            kept = Ratio(count, before) if before is not None else None
            dropped = Ratio(before - count, before) if before is not None else None
            steps.append((title, count, kept, dropped))
            before = count
        return steps

    @property
    def ratio(self):
        return Ratio(self.verified, self.added)


@dataclass
class Outcomes:
    delivered: int = 0
    undelivered: int = 0
    failed: int = 0
    unknown: int = 0
    in_flight: int = 0
    withheld: int = 0  # never handed to Twilio and no Twilio error: cancelled, or our rules

    FIELDS = ("delivered", "undelivered", "failed", "unknown", "in_flight", "withheld")

    def add(self, row):
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name) + row[name])

    @property
    def counted(self):
        return self.delivered + self.undelivered + self.failed + self.unknown

    @property
    def ratio(self):
        return Ratio(self.delivered, self.counted)


@dataclass
class Delivery:
    by_day: dict  # purpose -> [Outcomes per day]
    by_country: dict  # country -> purpose -> Outcomes
    totals: dict  # purpose -> Outcomes
    weekly: list  # Outcomes (both purposes) per week
    times: dict  # purpose -> (count, p50 seconds, p95 seconds)
    errors: list  # dicts: code, explanation, codes, tests, total

    @property
    def overall(self):
        total = Outcomes()
        for outcomes in self.totals.values():
            total.add(vars(outcomes))
        return total


@dataclass
class Cost:
    """Segments of the SMS that may have cost money (Message.objects.handed_over())."""

    by_day: dict  # date -> purpose -> segments
    by_country: dict  # country -> purpose -> [sms, segments]
    countries: list  # the most segments first
    cells: dict  # (date, country, purpose) -> segments

    @property
    def total(self):
        return sum(sum(purposes.values()) for purposes in self.by_day.values())


@dataclass
class LatencyResult:
    target: latency.LatencyTarget
    buckets: Counter  # le_ms -> requests, over the period
    weekly: list  # Counter per week

    @property
    def requests(self):
        return sum(self.buckets.values())


@dataclass
class Report:
    period: Period
    discovery: Cohort
    testing: Cohort
    funnel: list  # FunnelRow per country, the all-countries row first
    funnel_weekly: list  # Ratio per week
    delivery: Delivery
    cost: Cost
    latencies: list  # LatencyResult per target
    metrics: list = field(default_factory=list)


def build(days=DEFAULT_PERIOD, now=None):
    period = Period.ending(days, now)
    with reporting_transaction():
        discovery = discovery_of(period)
        testing = testing_of(period)
        funnel, funnel_weekly = funnel_of(period)
        delivery, cost = delivery_and_cost(period)
        latencies = latency_of(period)
    report = Report(period, discovery, testing, funnel, funnel_weekly, delivery, cost, latencies)
    report.metrics = success_metrics(report)
    return report


# Queries


@contextmanager
def reporting_transaction():
    """One transaction for the page's queries. On PostgreSQL, sorts and hashes of a 90-day
    period get the memory they need instead of spilling to disk (work_mem), and no time is
    spent compiling these one-off queries (jit), for this transaction only."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'; SET LOCAL jit = off")
        yield


def cohort_users(period, window):
    """Accounts whose first `window` ended in the period (and before now)."""
    return get_user_model().objects.filter(
        date_joined__gte=period.start - window, date_joined__lt=period.now - window
    )


def closed_week(period, joined, window):
    """The week (index) in which a cohort window opened on `joined` closed."""
    return period.week_index(joined + timedelta(days=window.days))


def discovery_of(period):
    within = Q(phone_management_visit__created_at__lt=F("date_joined") + DISCOVERY_WINDOW)
    rows = (
        cohort_users(period, DISCOVERY_WINDOW)
        .annotate(joined=TruncDate("date_joined"))
        .values("joined")
        .annotate(
            users=Count("pk"),
            **{
                entry.value: Count("pk", filter=within & Q(phone_management_visit__entry=entry))
                for entry in Entry
            },
        )
        .order_by()
    )
    weeks = period.weeks
    weekly = [[0, 0] for _ in weeks]
    by_entry = Counter()
    cohort = 0
    for row in rows:
        found = sum(row[entry.value] for entry in Entry)
        cohort += row["users"]
        by_entry.update({entry: row[entry.value] for entry in Entry})
        week = closed_week(period, row["joined"], DISCOVERY_WINDOW)
        if week is not None:
            weekly[week][0] += found
            weekly[week][1] += row["users"]
    return Cohort(
        size=cohort,
        joined_from=period.first - DISCOVERY_WINDOW,
        joined_to=timezone.localdate(period.now - DISCOVERY_WINDOW),
        by_entry=[(entry, by_entry[entry], Ratio(by_entry[entry], cohort)) for entry in Entry],
        weekly=[Ratio(found, users) for found, users in weekly],
        reached=sum(by_entry.values()),
    )


def testing_of(period):
    tested = Exists(
        Message.objects.filter(
            user=OuterRef("pk"),
            purpose=Purpose.TEST,
            created_at__lt=OuterRef("date_joined") + TESTING_WINDOW,
        )
    )
    rows = (
        cohort_users(period, TESTING_WINDOW)
        .annotate(joined=TruncDate("date_joined"))
        .values("joined")
        .annotate(users=Count("pk"), tested=Count("pk", filter=Q(tested)))
        .order_by()
    )
    weekly = [[0, 0] for _ in period.weeks]
    cohort = found = 0
    for row in rows:
        cohort += row["users"]
        found += row["tested"]
        week = closed_week(period, row["joined"], TESTING_WINDOW)
        if week is not None:
            weekly[week][0] += row["tested"]
            weekly[week][1] += row["users"]
    return Cohort(
        size=cohort,
        joined_from=period.first - TESTING_WINDOW,
        joined_to=timezone.localdate(period.now - TESTING_WINDOW),
        by_entry=[],
        weekly=[Ratio(part, whole) for part, whole in weekly],
        reached=found,
    )


def funnel_of(period):
    """Numbers added → code sent → code delivered → verified, within a day of adding.

    Matched by account and number, so a number deleted since still counts. A verified
    number surely got its code: it counts as sent and delivered even when the carrier never
    reported delivery.
    """
    added = PhoneEvent.objects.filter(
        kind=PhoneEvent.Kind.ADDED,
        created_at__gte=period.start - VERIFICATION_WINDOW,
        created_at__lt=period.now - VERIFICATION_WINDOW,
    )
    soon_after = {
        "created_at__gte": OuterRef("created_at"),
        "created_at__lt": OuterRef("created_at") + VERIFICATION_WINDOW,
    }
    codes = Message.objects.verification_codes().filter(
        user=OuterRef("user"), to_number=OuterRef("number"), **soon_after
    )
    sent = Exists(codes.handed_over())
    delivered = Exists(codes.filter(status=Status.DELIVERED))
    verified = Exists(
        PhoneEvent.objects.filter(
            kind=PhoneEvent.Kind.VERIFIED,
            user=OuterRef("user"),
            number=OuterRef("number"),
            **soon_after,
        )
    )
    # The number's country; for a number deleted since, the country its SMS went to.
    country = Coalesce(
        NullIf("phone__country", Value("")),
        Subquery(
            Message.objects.filter(to_number=OuterRef("number"))
            .exclude(country="")
            .order_by()
            .values("country")[:1]
        ),
        Value(""),
    )
    rows = (
        added.annotate(where=country, day=TruncDate("created_at"))
        .values("where", "day")
        .annotate(
            added=Count("pk"),
            sent=Count("pk", filter=Q(sent) | Q(verified)),
            delivered=Count("pk", filter=Q(delivered) | Q(verified)),
            verified=Count("pk", filter=Q(verified)),
        )
        .order_by()
    )
    total = FunnelRow("")
    by_country = defaultdict(lambda: FunnelRow(""))
    weekly = [[0, 0] for _ in period.weeks]
    for row in rows:
        counts = FunnelRow(
            row["where"], row["added"], row["sent"], row["delivered"], row["verified"]
        )
        total.add(counts)
        by_country[row["where"]].country = row["where"]
        by_country[row["where"]].add(counts)
        week = closed_week(period, row["day"], VERIFICATION_WINDOW)
        if week is not None:
            weekly[week][0] += row["verified"]
            weekly[week][1] += row["added"]
    countries = sorted(by_country.values(), key=lambda r: (-r.added, r.country))
    return [total, *countries], [Ratio(part, whole) for part, whole in weekly]


def delivery_and_cost(period):
    """One query for outcomes, error codes and segments per day, country, purpose and error
    code (error codes are rare: few more rows); the delivery-time percentiles (one query, or
    five on SQLite)."""
    messages = Message.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
    cutoff = period.now - DELIVERY_GRACE
    withheld = Q(status=Status.FAILED, twilio_sid__isnull=True, error_code__isnull=True)
    cost = ~Q(status=Status.FAILED, twilio_sid__isnull=True)  # Message.objects.handed_over()
    rows = (
        messages.annotate(day=TruncDate("created_at"))
        .values("day", "country", "purpose", "error_code")
        .annotate(
            delivered=Count("pk", filter=Q(status=Status.DELIVERED)),
            undelivered=Count("pk", filter=Q(status=Status.UNDELIVERED)),
            failed=Count("pk", filter=Q(status__in=[Status.FAILED, Status.CANCELED]) & ~withheld),
            unknown=Count(
                "pk",
                filter=Q(status=Status.UNKNOWN) | Q(status__in=WAITING, created_at__lt=cutoff),
            ),
            in_flight=Count("pk", filter=Q(status__in=WAITING, created_at__gte=cutoff)),
            withheld=Count("pk", filter=withheld),
            sms=Count("pk", filter=cost),
            segments=Sum("segments", filter=cost, default=0),
        )
        .order_by()
    )
    errors = defaultdict(Counter)  # error code -> purpose -> failed or undelivered
    dates = period.dates
    day_index = {day: n for n, day in enumerate(dates)}
    by_day = {purpose: [Outcomes() for _ in dates] for purpose in PURPOSES}
    by_country = defaultdict(lambda: {purpose: Outcomes() for purpose in PURPOSES})
    totals = {purpose: Outcomes() for purpose in PURPOSES}
    weekly = [Outcomes() for _ in period.weeks]
    cost_by_day = {day: dict.fromkeys(PURPOSES, 0) for day in dates}
    cost_by_country = defaultdict(lambda: {purpose: [0, 0] for purpose in PURPOSES})
    cost_cells = Counter()
    for row in rows:
        purpose, country, day = row["purpose"], row["country"], row["day"]
        if purpose not in totals or day not in day_index:
            continue
        by_day[purpose][day_index[day]].add(row)
        by_country[country][purpose].add(row)
        totals[purpose].add(row)
        weekly[period.week_index(day)].add(row)
        cost_by_day[day][purpose] += row["segments"]
        cost_by_country[country][purpose][0] += row["sms"]
        cost_by_country[country][purpose][1] += row["segments"]
        cost_cells[day, country, purpose] += row["segments"]
        if row["error_code"] is not None:
            errors[row["error_code"]][purpose] += row["failed"] + row["undelivered"]
    countries = sorted(
        cost_by_country, key=lambda c: (-sum(s for _, s in cost_by_country[c].values()), c)
    )
    delivery = Delivery(
        by_day=by_day,
        by_country=dict(
            sorted(
                by_country.items(),
                key=lambda item: (-sum(o.counted for o in item[1].values()), item[0]),
            )
        ),
        totals=totals,
        weekly=weekly,
        times=delivery_times(messages),
        errors=top_errors(errors),
    )
    return delivery, Cost(cost_by_day, dict(cost_by_country), countries, dict(cost_cells))


def top_errors(errors):
    """The most frequent error codes of failed and undelivered messages, explained."""
    rows = [
        {
            "error_code": code,
            "total": sum(by_purpose.values()),
            "codes": by_purpose[Purpose.VERIFICATION],
            "tests": by_purpose[Purpose.TEST],
            "explanation": explain(code),
        }
        for code, by_purpose in errors.items()
        if sum(by_purpose.values())
    ]
    rows.sort(key=lambda row: (-row["total"], row["error_code"]))
    return rows[:TOP_ERRORS]


class Seconds(Func):
    """A duration in seconds, as a float (PostgreSQL)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont over several fractions at once (one sort for all): the
    interpolated percentiles of an ordered set, as a list."""

    function = "percentile_cont"
    template = "%(function)s(ARRAY[%(fractions)s]) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fractions, **extra):
        if not all(0 <= fraction <= 1 for fraction in fractions):
            raise ValueError("fractions must be between 0 and 1")
        from django.contrib.postgres.fields import ArrayField  # PostgreSQL only

        text = ", ".join(f"{float(fraction)!r}::float8" for fraction in fractions)
        super().__init__(expression, fractions=text, output_field=ArrayField(FloatField()), **extra)


def delivery_times(messages):
    """{purpose: (delivered messages, p50 seconds, p95 seconds)}, from creation to delivery."""
    delivered = messages.filter(status=Status.DELIVERED, delivered_at__isnull=False)
    duration = F("delivered_at") - F("created_at")
    times = dict.fromkeys(PURPOSES, (0, None, None))
    if connection.vendor == "postgresql":
        # One row, a filtered aggregate per purpose: no GROUP BY, so no sort before the
        # percentiles' own.
        row = delivered.aggregate(
            **{f"{purpose}_n": Count("pk", filter=Q(purpose=purpose)) for purpose in PURPOSES},
            **{
                f"{purpose}_p": PercentileCont(
                    Seconds(duration), (0.5, 0.95), filter=Q(purpose=purpose)
                )
                for purpose in PURPOSES
            },
        )
        for purpose in PURPOSES:
            if row[f"{purpose}_n"]:
                times[purpose] = (row[f"{purpose}_n"], *row[f"{purpose}_p"])
        return times
    # Elsewhere: the two values around each rank, read in index order (what percentile_cont
    # interpolates between): one query per purpose and percentile, whatever the data size.
    counts = dict(delivered.values_list("purpose").annotate(n=Count("pk")).order_by())
    ordered = delivered.annotate(duration=duration).order_by("duration", "pk")
    for purpose in PURPOSES:
        n = counts.get(purpose, 0)
        if n:
            p50, p95 = (
                interpolated(ordered.filter(purpose=purpose), n, fraction)
                for fraction in (0.5, 0.95)
            )
            times[purpose] = (n, p50, p95)
    return times


def interpolated(ordered, n, fraction):
    rank = fraction * (n - 1)
    low = math.floor(rank)
    values = [d.total_seconds() for d in ordered.values_list("duration", flat=True)[low : low + 2]]
    if len(values) == 1:
        return values[0]
    return values[0] + (values[1] - values[0]) * (rank - low)


def latency_of(period):
    views = Q()
    for target in latency.TARGETS:
        for name in target.views:
            views |= Q(view__startswith=name[:-1]) if name.endswith(":*") else Q(view=name)
    rows = (
        ViewLatency.objects.filter(views, day__gte=period.first, day__lte=period.last)
        .values("view", "day", "le_ms")
        .annotate(n=Sum("count"))
        .order_by()
    )
    results = {
        target.key: LatencyResult(target, Counter(), [Counter() for _ in period.weeks])
        for target in latency.TARGETS
    }
    for row in rows:
        target = latency.target_for(row["view"])
        if target is None:
            continue
        result = results[target.key]
        result.buckets[row["le_ms"]] += row["n"]
        result.weekly[period.week_index(row["day"])][row["le_ms"]] += row["n"]
    return list(results.values())


def bucket_quantile(quantile, buckets):
    """The `quantile` of requests counted in histogram `buckets` ({le_ms: count}), in ms,
    interpolated within its bucket as Prometheus's histogram_quantile() does; OVERFLOW_MS
    when it falls in the last, open bucket; None without requests."""
    total = sum(buckets.values())
    if not total:
        return None
    rank = quantile * total
    seen, lower = 0, 0
    for bound in sorted(buckets):
        count = buckets[bound]
        if count and seen + count >= rank:
            if bound >= latency.OVERFLOW_MS:
                return latency.OVERFLOW_MS
            return lower + (bound - lower) * (rank - seen) / count
        seen += count
        lower = bound
    return latency.OVERFLOW_MS


def within(buckets, seconds):
    """Ratio of the requests in `buckets` that answered within `seconds`."""
    limit = round(seconds * 1000)
    return Ratio(sum(n for bound, n in buckets.items() if bound <= limit), sum(buckets.values()))


# The success metrics of the brief


def ratio_metric(key, title, definition, target, basis_unit, ratio, weekly, weeks):
    return SuccessMetric(
        key=key,
        title=title,
        definition=definition,
        target=target,
        target_text=f"at least {percent(target)}",
        value=ratio.value,
        value_text=ratio.percent,
        basis=f"{ratio.part:,} of {ratio.whole:,} {basis_unit}",
        trend=[
            TrendPoint(week, r.value, r.percent, meets(r.value, target))
            for week, r in zip(weeks, weekly, strict=True)
        ],
        met=meets(ratio.value, target),
    )


def success_metrics(report):
    weeks = report.period.weeks
    metrics = [
        ratio_metric(
            "discovery",
            "Accounts that find phone management in their first week",
            "Accounts whose first 7 days ended in the period and that opened the "
            "phone-management page within them.",
            0.80,
            "accounts",
            report.discovery.ratio,
            report.discovery.weekly,
            weeks,
        ),
        ratio_metric(
            "verification",
            "Added numbers that get verified",
            "Numbers added (their first 24 hours ended in the period) and verified within "
            "24 hours.",
            0.90,
            "numbers",
            report.funnel[0].ratio,
            report.funnel_weekly,
            weeks,
        ),
        ratio_metric(
            "testing",
            "Accounts that try SMS testing in their first two weeks",
            "Accounts whose first 14 days ended in the period and that sent a test message "
            "within them.",
            0.70,
            "accounts",
            report.testing.ratio,
            report.testing.weekly,
            weeks,
        ),
        ratio_metric(
            "delivery",
            "SMS delivered",
            "Codes and tests sent in the period that were delivered, of those with an "
            "outcome (delivered, undelivered, failed or unknown; in flight left out).",
            0.99,
            "SMS",
            report.delivery.overall.ratio,
            [outcomes.ratio for outcomes in report.delivery.weekly],
            weeks,
        ),
    ]
    for result in report.latencies:
        target = result.target
        p95 = bucket_quantile(target.quantile, result.buckets)
        share = within(result.buckets, target.seconds)
        metrics.append(
            SuccessMetric(
                key=target.key,
                title=target.title,
                definition=f"95th percentile of the server time of {describe_views(target)}.",
                target=target.seconds * 1000,
                target_text=f"under {target.seconds * 1000:,.0f} ms",
                value=p95,
                value_text=milliseconds(p95),
                basis=f"{share.percent} of {share.whole:,} requests within the target",
                trend=[
                    TrendPoint(
                        week,
                        value := bucket_quantile(target.quantile, buckets),
                        milliseconds(value),
                        meets(within(buckets, target.seconds).value, target.quantile),
                    )
                    for week, buckets in zip(weeks, result.weekly, strict=True)
                ],
                # Met when 95 % answered within the target: exact, as the target is a
                # bucket bound (the p95 shown is interpolated within its bucket).
                met=meets(share.value, target.quantile),
                higher_is_better=False,
            )
        )
    return metrics


def describe_views(target):
    names = [f"every {name[:-2]} view" if name.endswith(":*") else name for name in target.views]
    return " and ".join(names)
