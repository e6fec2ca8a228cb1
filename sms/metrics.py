"""What the sms app tells monitoring: Prometheus series and structured log events.

- `STATUS_CALLBACKS` counts the status webhook's callbacks by outcome. prometheus_client
  keeps it in files under PROMETHEUS_MULTIPROC_DIR when that is set (gunicorn's processes
  then add up), in this process's memory otherwise.
- `MessageCollector` reads the message table at scrape time: totals that the database
  already knows need no counter of their own, and agree across processes and machines.
- `log_event` writes one log line per event that matters, with the message's public id and
  the user's id as fields (JSON with LOG_FORMAT=json), never the text or the code it carries.

The /metrics view that exposes them lives in `insights` (docs/operations.md).
"""

import logging

from prometheus_client import Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

# "applied": the report moved the message's status; "duplicate": recorded, status unchanged
# (a repeat, or a late report); "unknown": no message matches it; "rejected": a bad
# signature (403) or malformed fields (400).
CALLBACK_OUTCOMES = ("applied", "duplicate", "unknown", "rejected")
STATUS_CALLBACKS = Counter(
    "phonebook_sms_status_callbacks",
    "Twilio status callbacks received by the webhook, by outcome.",
    ["outcome"],
)


def count_callback(outcome):
    STATUS_CALLBACKS.labels(outcome=outcome).inc()


def message_fields(message):
    """What a log line may say about a message: ids and state, never its text."""
    return {
        "message_id": str(message.public_id),
        "user_id": message.user_id,
        "purpose": str(message.purpose),
        "status": str(message.status),
        "country": message.country,
        "segments": message.segments,
        "error_code": message.error_code,
    }


def log_event(logger, event, text, *args, message=None, level=logging.INFO, **fields):
    """Log `text % args` with `event` (a dotted name) and the message's fields as extras."""
    extra = {"event": event, **(message_fields(message) if message is not None else {}), **fields}
    logger.log(level, text, *args, extra=extra)


class MessageCollector:
    """SMS totals by purpose, read from the message table at each scrape.

    Counters only grow, as long as no account (and with it its messages) is deleted; a
    deletion looks like a counter reset to Prometheus, which rate() absorbs.
    """

    def collect(self):
        from django.db.models import Count

        from .models import FINAL_STATUSES, Message, Status

        rows = Message.objects.values("purpose", "status", "error_code").annotate(
            messages=Count("pk"), with_sid=Count("twilio_sid")
        )
        handed_over = CounterMetricFamily(
            "phonebook_sms_handed_over",
            "SMS the sender handed to Twilio: Twilio gave it a SID, or its answer was lost "
            "(outcome unknown). What may have cost money.",
            labels=["purpose"],
        )
        delivered = CounterMetricFamily(
            "phonebook_sms_delivered", "SMS delivered to the phone.", labels=["purpose"]
        )
        failed = CounterMetricFamily(
            "phonebook_sms_failed",
            "SMS that ended failed or undelivered, by Twilio error code ('none': no code).",
            labels=["purpose", "status", "error_code"],
        )
        current = GaugeMetricFamily(
            "phonebook_sms_messages",
            "SMS by current status (a message moves from one status to the next).",
            labels=["purpose", "status"],
        )
        totals = {}
        for row in rows:
            purpose, status = row["purpose"], row["status"]
            counts = totals.setdefault(purpose, {"handed_over": 0, "delivered": 0, "by": {}})
            counts["handed_over"] += (
                row["messages"] if status == Status.UNKNOWN else row["with_sid"]
            )
            counts["by"][status] = counts["by"].get(status, 0) + row["messages"]
            if status == Status.DELIVERED:
                counts["delivered"] += row["messages"]
            elif status in FINAL_STATUSES and status != Status.CANCELED:
                code = str(row["error_code"]) if row["error_code"] is not None else "none"
                failed.add_metric([purpose, status, code], row["messages"])
        for purpose, counts in sorted(totals.items()):
            handed_over.add_metric([purpose], counts["handed_over"])
            delivered.add_metric([purpose], counts["delivered"])
            for status, number in sorted(counts["by"].items()):
                current.add_metric([purpose, status], number)
        yield from (handed_over, delivered, failed, current)
