"""How long requests take: a Prometheus histogram for every view, and daily histograms in
the database for the views with a latency target (the insights page's success metrics).

The brief's targets: the phone widget loads in under 500 ms, the SMS-test endpoints answer
in under 200 ms. A target is met when 95 % of the requests answered within it (p95), and
every target is a bucket boundary, so "met" is exact, not interpolated.

The database rows are written without costing a request a query: each process counts in
memory and adds its counts (one INSERT … ON CONFLICT … SET count = count + n) at most once
every INSIGHTS_LATENCY_FLUSH_SECONDS, after a response, and never inside a transaction
someone else opened. A process that stops loses at most that many seconds of counts.
"""

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from prometheus_client import Histogram

from .models import ViewLatency

logger = logging.getLogger(__name__)

# Seconds. Dense around the 200 ms and 500 ms targets, which are boundaries.
BUCKETS = (0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)
BUCKETS_MS = tuple(round(bound * 1000) for bound in BUCKETS)
OVERFLOW_MS = 2**31 - 1  # the "+Inf" bucket, as a value every database's integer takes
UNRESOLVED = "<unresolved>"  # no URL pattern matched (a 404, or a static file)

REQUEST_LATENCY = Histogram(
    "phonebook_http_request_duration_seconds",
    "Time from the first middleware in to the response going out, by view (URL name).",
    ["view"],
    buckets=BUCKETS,
)


@dataclass(frozen=True)
class LatencyTarget:
    key: str
    title: str
    views: tuple  # URL names; "namespace:*" for every view of an app
    seconds: float
    quantile: float = 0.95

    def covers(self, view):
        return any(
            view == name or (name.endswith(":*") and view.startswith(name[:-1]))
            for name in self.views
        )


TARGETS = (
    # The widget is rendered with the dashboard page and then refreshed from its own URL.
    LatencyTarget(
        "phone_widget", "Phone widget loads", ("dashboard:home", "dashboard:phone_widget"), 0.5
    ),
    LatencyTarget("sms_tests", "SMS-test endpoints answer", ("smstest:*",), 0.2),
)


def target_for(view):
    return next((target for target in TARGETS if target.covers(view)), None)


def bucket_ms(seconds):
    milliseconds = seconds * 1000
    return next((bound for bound in BUCKETS_MS if milliseconds <= bound), OVERFLOW_MS)


class LatencyBook:
    """This process's counts per (view, day, bucket) not yet in the database."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._counts = Counter()
        self._last_flush = clock()

    def add(self, view, seconds, day=None):
        key = (view, day or timezone.localdate(), bucket_ms(seconds))
        with self._lock:
            self._counts[key] += 1

    def flush_if_due(self):
        """Add the counts to the database if the interval has passed; called after a response.

        Never inside an atomic block: the write would be rolled back with someone else's
        transaction (and a test's query count would change).
        """
        if connection.in_atomic_block:
            return 0
        with self._lock:
            due = self._clock() - self._last_flush >= settings.INSIGHTS_LATENCY_FLUSH_SECONDS
            if not due or not self._counts:
                return 0
            counts, self._counts = self._counts, Counter()
            self._last_flush = self._clock()
        return write(counts)

    def pending(self):
        with self._lock:
            return dict(self._counts)


def write(counts):
    """Add `counts` ({(view, day, le_ms): n}) to ViewLatency in one statement per 200 rows.

    Returns the number of rows written; on a database error the counts are dropped (and
    logged): monitoring never takes a page down.
    """
    quote = connection.ops.quote_name
    table = quote(ViewLatency._meta.db_table)
    view, day, le_ms, count = (quote(name) for name in ("view", "day", "le_ms", "count"))
    items = sorted(counts.items())
    try:
        with connection.cursor() as cursor:
            for start in range(0, len(items), 200):
                chunk = items[start : start + 200]
                params = []
                for (name, date, bound), number in chunk:
                    params += [name, connection.ops.adapt_datefield_value(date), bound, number]
                rows = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
                cursor.execute(
                    f"INSERT INTO {table} ({view}, {day}, {le_ms}, {count}) VALUES {rows} "  # noqa: S608 (names quoted, values bound)
                    f"ON CONFLICT ({view}, {day}, {le_ms}) "
                    f"DO UPDATE SET {count} = {table}.{count} + EXCLUDED.{count}",
                    params,
                )
    except DatabaseError:
        logger.warning("Could not store %d view latency counts", len(items), exc_info=True)
        return 0
    return len(items)


BOOK = LatencyBook()


def observe(view, seconds):
    """Record one request: the Prometheus histogram always, the daily rows for targets."""
    REQUEST_LATENCY.labels(view=view).observe(seconds)
    if target_for(view) is not None:
        BOOK.add(view, seconds)
    BOOK.flush_if_due()
