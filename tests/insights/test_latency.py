"""Request latency: the Prometheus histogram by view, and the daily rows the insights page
reads for the views with a target, written without costing a request a query."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from prometheus_client import REGISTRY

from insights import latency
from insights.models import ViewLatency

HTMX = {"HTTP_HX_REQUEST": "true"}


def observed(view):
    value = REGISTRY.get_sample_value(
        "phonebook_http_request_duration_seconds_count", {"view": view}
    )
    return value or 0


def test_targets_cover_the_widget_and_every_sms_test_view():
    assert latency.target_for("dashboard:phone_widget").key == "phone_widget"
    assert latency.target_for("dashboard:home").key == "phone_widget"
    assert latency.target_for("smstest:panel").key == "sms_tests"
    assert latency.target_for("smstest:message").key == "sms_tests"
    assert latency.target_for("sms:twilio_status") is None
    assert latency.target_for("dashboard:sms_widget") is None


def test_buckets_end_at_the_targets():
    assert latency.bucket_ms(0.2) == 200
    assert latency.bucket_ms(0.2001) == 300
    assert latency.bucket_ms(0.5) == 500
    assert latency.bucket_ms(0.0) == 25
    assert latency.bucket_ms(11) == latency.OVERFLOW_MS
    assert {200, 500} <= set(latency.BUCKETS_MS)


@pytest.mark.django_db
def test_every_request_is_timed_by_its_url_name(user_client):
    widget, unresolved = observed("dashboard:phone_widget"), observed(latency.UNRESOLVED)
    pending = sum(
        n for key, n in latency.BOOK.pending().items() if key[0] == "dashboard:phone_widget"
    )
    assert user_client.get(reverse("dashboard:phone_widget"), **HTMX).status_code == 200
    user_client.get("/no-such-page/")
    assert observed("dashboard:phone_widget") == widget + 1
    assert observed(latency.UNRESOLVED) == unresolved + 1
    # Counted for the insights page too: inside the test's transaction, not written yet.
    after = sum(
        n for key, n in latency.BOOK.pending().items() if key[0] == "dashboard:phone_widget"
    )
    assert after == pending + 1


@pytest.mark.django_db
def test_counts_are_never_written_inside_someone_elses_transaction(settings):
    settings.INSIGHTS_LATENCY_FLUSH_SECONDS = 0
    book = latency.LatencyBook()
    book.add("smstest:panel", 0.05)
    assert book.flush_if_due() == 0
    assert book.pending()
    assert not ViewLatency.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_counts_are_added_up_in_the_database_once_the_interval_has_passed(settings):
    clock = [0.0]
    book = latency.LatencyBook(clock=lambda: clock[0])
    settings.INSIGHTS_LATENCY_FLUSH_SECONDS = 60
    day = date(2026, 3, 2)
    for seconds in (0.01, 0.04, 0.3, 0.3):
        book.add("smstest:panel", seconds, day=day)
    assert book.flush_if_due() == 0  # not yet
    clock[0] = 61
    assert book.flush_if_due() == 3  # three rows: 25, 50 and 300 ms
    assert book.pending() == {}
    book.add("smstest:panel", 0.3, day=day)
    clock[0] = 122
    book.flush_if_due()  # another process's counts, or this one's next minute
    rows = dict(
        ViewLatency.objects.filter(view="smstest:panel", day=day).values_list("le_ms", "count")
    )
    assert rows == {25: 1, 50: 1, 300: 3}


@pytest.mark.django_db(transaction=True)
def test_a_request_writes_the_counts_when_they_are_due(client, settings):
    settings.INSIGHTS_LATENCY_FLUSH_SECONDS = 0
    client.get(reverse("login"))  # any request flushes what is pending
    client.get(reverse("smstest:panel"))  # redirected to sign in: still timed
    today = timezone.localdate()
    assert ViewLatency.objects.filter(view="smstest:panel", day=today).exists()
