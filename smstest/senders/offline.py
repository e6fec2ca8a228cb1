import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from . import BaseSender, SendResult

logger = logging.getLogger(__name__)

SIMULATED_ERRORS = {"undelivered": "30003", "failed": "30006"}


class OfflineSender(BaseSender):
    """For development without a Twilio account.

    Keeps each message in the database (listed at /dev/outbox/) and, when a status callback
    is asked for, plays Twilio's delivery reports a few seconds apart through the same code
    path as the real webhook: sent, then delivered (or the simulated failure).
    """

    simulates_outcomes = True

    def send(self, to, body, status_callback=None, simulate=None):
        from smstest.models import OutboxMessage

        sid = "SM" + secrets.token_hex(16)
        outcome = simulate or OutboxMessage.Outcome.DELIVERED
        OutboxMessage.objects.create(to=to, body=body, sid=sid, outcome=outcome)
        if status_callback:
            self.schedule_reports(sid, to, outcome)
        return SendResult(sid=sid, status="queued")

    def schedule_reports(self, sid, to, outcome):
        from django_tasks import default_task_backend

        from smstest.tasks import play_offline_report

        if not default_task_backend.supports_defer:
            logger.info("Offline delivery reports need a task backend that can defer tasks.")
            return
        step = timedelta(seconds=settings.OFFLINE_SENDER_STEP_SECONDS)
        reports = [{"MessageStatus": "sent"}, {"MessageStatus": outcome}]
        if outcome in SIMULATED_ERRORS:
            reports[1]["ErrorCode"] = SIMULATED_ERRORS[outcome]
        now = timezone.now()
        for position, report in enumerate(reports, start=1):
            fields = {"MessageSid": sid, "To": to, "AccountSid": "ACoffline", **report}
            play_offline_report.using(run_after=now + step * position).enqueue(fields)
