"""Background work: handing messages to the SMS sender, asking for lost reports, and the
offline sender's reports. Every network call to the provider happens here, in a worker,
outside any transaction and lock."""

import logging
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_tasks import default_task_backend, task

from . import destinations, metrics
from .models import CHECK_DELIVERY_AFTER, Message
from .senders import SendError, get_sender

logger = logging.getLogger(__name__)


def status_callback_url(message):
    """Our webhook's public URL, with the message's opaque id for callbacks to find it."""
    path = reverse("sms:twilio_status")
    return f"{settings.PUBLIC_BASE_URL}{path}?m={message.public_id}"


def message_id_in(url):
    """The `m` a status callback URL carries (see status_callback_url), or None."""
    return parse_qs(urlsplit(url).query).get("m", [None])[0]


@task()
def send_message(message_id):
    """Hand message `message_id` to the sender, at most once, after re-checking the rules."""
    message = Message.objects.get(pk=message_id)
    # At most once: a second worker, or a rerun after a crash mid-send, finds it claimed.
    if not message.claim_for_sending():
        return
    if refusal := destinations.refusal(message.to_number):
        message.fail(f"{refusal} Nothing was sent.")
        return
    extra = {"simulate": message.simulate} if message.simulate else {}
    try:
        result = get_sender().send(
            message.to_number.as_e164,
            message.body,
            status_callback=status_callback_url(message),
            **extra,
        )
    except SendError as error:
        if not error.outcome_unknown:
            message.fail(error.message, code=error.code)
            return
        message.mark_outcome_unknown(error.message)
    else:
        message.record_submission(result)
        metrics.log_event(
            logger,
            "sms.handed_over",
            "SMS %s handed over to Twilio",
            message.public_id,
            message=message,
            twilio_sid=message.twilio_sid,
        )
    schedule_delivery_check(message.pk, check=0)


def schedule_delivery_check(message_id, *, check):
    # Only a backend that can defer runs this later (django-tasks-db, in production).
    if check < len(CHECK_DELIVERY_AFTER) and default_task_backend.supports_defer:
        run_after = timezone.now() + CHECK_DELIVERY_AFTER[check]
        check_delivery.using(run_after=run_after).enqueue(message_id, check)


@task()
def check_delivery(message_id, check=0):
    """Ask for the status of a message whose final delivery report has not come.

    Needs the SID: a message whose send timed out gets it from its first callback.
    """
    message = Message.objects.filter(pk=message_id).first()  # gone with its user?
    if message is None or message.is_final:
        return
    if message.twilio_sid:
        fields = get_sender().fetch_status(message.twilio_sid)
        if fields:
            at = parse_datetime(fields.get("DateUpdated", ""))
            reported = Message.objects.record_status_report({**fields, "source": "fetch"}, at=at)
            message = reported or message
    if not message.is_final:
        schedule_delivery_check(message_id, check=check + 1)


@task()
def play_offline_report(status_callback, fields):
    """The offline sender's stand-in for Twilio calling our status webhook."""
    Message.objects.record_status_report(fields, message_id=message_id_in(status_callback))
