"""GET /metrics for Prometheus (docs/operations.md).

What the database knows is read from it at scrape time by custom collectors (SMS by
purpose, status and error code; numbers added, codes sent, numbers verified; the task
queue), so those figures agree across processes and machines and need no counter. What only
a process sees (request latency by view, webhook callbacks by outcome) is counted by
prometheus_client: in files under PROMETHEUS_MULTIPROC_DIR when it is set (gunicorn's
worker processes are then added up at each scrape), in this process's memory otherwise.

Access: a Bearer token (METRICS_TOKEN) and/or client addresses (METRICS_ALLOWED_IPS); both
must match when both are set. With neither, /metrics answers 404.
"""

import hmac
import ipaddress
import logging
import os

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Case, Count, F, Min, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from phones.models import PhoneEvent
from sms.clients import client_ip
from sms.metrics import MessageCollector

logger = logging.getLogger(__name__)


class PhoneCollector:
    """Numbers added, codes sent and numbers verified, from phones' event log."""

    SERIES = {
        PhoneEvent.Kind.ADDED: ("phonebook_phone_numbers_added", "Phone numbers added."),
        PhoneEvent.Kind.CODE_SENT: (
            "phonebook_verification_codes_sent",
            "Verification codes queued for sending.",
        ),
        PhoneEvent.Kind.VERIFIED: (
            "phonebook_phone_numbers_verified",
            "Phone numbers verified with a code.",
        ),
        PhoneEvent.Kind.FAILED_ATTEMPT: (
            "phonebook_verification_wrong_codes",
            "Wrong verification codes typed.",
        ),
    }

    def collect(self):
        counts = dict(
            PhoneEvent.objects.filter(kind__in=self.SERIES)
            .values_list("kind")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for kind, (name, documentation) in self.SERIES.items():
            yield CounterMetricFamily(name, documentation, value=counts.get(kind, 0))


class TaskQueueCollector:
    """django-tasks-db's queue: tasks ready to run, and how long the oldest has waited."""

    def collect(self):
        # Ready since enqueued, or since run_after for a deferred task (django-tasks-db
        # stores "no run_after" as the year 9999).
        ready_since = Case(
            When(run_after=get_date_max(), then=F("enqueued_at")),
            default=Greatest("enqueued_at", "run_after"),
        )
        rows = (
            DBTaskResult.objects.ready()
            .values("queue_name")
            .annotate(n=Count("pk"), oldest=Min(ready_since))
            .order_by()
        )
        depth = GaugeMetricFamily(
            "phonebook_task_queue_ready", "Tasks ready to run, by queue.", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "phonebook_task_queue_oldest_ready_age_seconds",
            "How long the oldest ready task has waited, by queue (0: none waiting).",
            labels=["queue"],
        )
        now = timezone.now()
        seen = set()
        for row in rows:
            seen.add(row["queue_name"])
            depth.add_metric([row["queue_name"]], row["n"])
            age.add_metric([row["queue_name"]], max(0.0, (now - row["oldest"]).total_seconds()))
        for queue in settings.TASKS["default"].get("QUEUES", ["default"]):
            if queue not in seen:
                depth.add_metric([queue], 0)
                age.add_metric([queue], 0.0)
        yield from (depth, age)


class DatabaseCollectors:
    """The collectors above, each guarded: a failing query leaves its series out and sets
    phonebook_metrics_database_up to 0 instead of failing the scrape."""

    def __init__(self):
        self.collectors = [MessageCollector(), PhoneCollector(), TaskQueueCollector()]

    def collect(self):
        up = 1
        for collector in self.collectors:
            try:
                families = list(collector.collect())
            except DatabaseError:
                logger.exception("Metrics: %s failed", type(collector).__name__)
                up = 0
                continue
            yield from families
        yield GaugeMetricFamily(
            "phonebook_metrics_database_up",
            "1 if every database query of this scrape succeeded.",
            value=up,
        )


class ProcessRegistry:
    """This process's own metrics (the plain, single-process registry)."""

    def collect(self):
        return REGISTRY.collect()


def registry():
    """A registry for one scrape: the process-counted metrics plus the database's."""
    scrape = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(scrape)
    else:
        scrape.register(ProcessRegistry())
    scrape.register(DatabaseCollectors())
    return scrape


def refusal(request):
    """None if this request may read the metrics, else the status to answer (404, 401, 403)."""
    token = settings.METRICS_TOKEN
    networks = settings.METRICS_ALLOWED_IPS
    if not token and not networks:
        return 404
    if networks and not ip_allowed(client_ip(request), networks):
        return 403
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            return 401
    return None


def ip_allowed(address, networks):
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)
