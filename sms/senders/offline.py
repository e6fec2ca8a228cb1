import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from . import BaseSender, SendError, SendResult

logger = logging.getLogger(__name__)

# Reports played back a step apart: the error code in the final one.
SIMULATED_REPORTS = {"undelivered": "30003", "failed": "30006"}
# Outcomes where Twilio would refuse the request itself: (Twilio's message, its code).
SIMULATED_REFUSALS = {
    "opted_out": ("Attempt to send to unsubscribed recipient", 21610),
    "misconfigured": ("Permission to send an SMS has not been enabled for the region", 21408),
}


class OfflineSender(BaseSender):
    """For development without a Twilio account.

    Keeps each message in the database (listed at /dev/outbox/) and, when a status callback
    is asked for, plays Twilio's delivery reports a few seconds apart through the same code
    path as the real webhook: sent, then delivered (or the simulated failure). `simulate`
    (an OutboxMessage.Outcome value) also covers what Twilio does at once: a refusal such
    as 21610, or no answer at all (outcome unknown).
    """

    simulates_outcomes = True

    def send(self, to, body, status_callback=None, simulate=None):
        from sms.models import OutboxMessage

        outcome = simulate or OutboxMessage.Outcome.DELIVERED
        if outcome in SIMULATED_REFUSALS:
            message, code = SIMULATED_REFUSALS[outcome]
            raise SendError(message, code=code)
        sid = "SM" + secrets.token_hex(16)
        OutboxMessage.objects.create(to=to, body=body, sid=sid, outcome=outcome)
        if status_callback:
            self.schedule_reports(sid, to, outcome, status_callback)
        if outcome == OutboxMessage.Outcome.UNKNOWN:
            # As when Twilio created the message but its answer was lost: the reports that
            # follow find the message by the id in the callback URL.
            raise SendError("Twilio did not answer in time.", outcome_unknown=True)
        return SendResult(sid=sid, status="queued", sender=settings.TWILIO_FROM_NUMBER)

    def schedule_reports(self, sid, to, outcome, status_callback):
        from django_tasks import default_task_backend

        from sms.tasks import play_offline_report

        if not default_task_backend.supports_defer:
            logger.info("Offline delivery reports need a task backend that can defer tasks.")
            return
        step = timedelta(seconds=settings.OFFLINE_SENDER_STEP_SECONDS)
        final = "delivered" if outcome == "unknown" else outcome
        reports = [{"MessageStatus": "sent"}, {"MessageStatus": final}]
        if outcome in SIMULATED_REPORTS:
            reports[1]["ErrorCode"] = SIMULATED_REPORTS[outcome]
        now = timezone.now()
        for position, report in enumerate(reports, start=1):
            fields = {"MessageSid": sid, "To": to, "AccountSid": "ACoffline", **report}
            play_offline_report.using(run_after=now + step * position).enqueue(
                status_callback, fields
            )
