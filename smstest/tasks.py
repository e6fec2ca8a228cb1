"""Background work: handing test messages to the SMS sender, and the offline sender's reports."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_tasks import default_task_backend, task

from .models import CHECK_DELIVERY_AFTER, TestMessage
from .senders import SendError, get_sender


def status_callback_url():
    return settings.PUBLIC_BASE_URL + reverse("smstest:twilio_status")


@task()
def send_test_message(message_id):
    message = TestMessage.objects.select_related("phone").get(pk=message_id)
    # At most once: a second worker, or a rerun after a crash mid-send, finds it claimed.
    if not message.claim_for_sending():
        return
    phone = message.phone
    if phone is None or phone.user_id != message.user_id or phone.verified_at is None:
        message.fail("The number is no longer verified on your account, so nothing was sent.")
        return
    extra = {"simulate": message.simulate} if message.simulate else {}
    try:
        result = get_sender().send(
            str(message.to_number), message.body, status_callback=status_callback_url(), **extra
        )
    except SendError as error:
        message.fail(error.message, code=error.code, outcome_unknown=error.outcome_unknown)
    else:
        message.record_submission(result)
        schedule_delivery_check(message.pk, check=0)


def schedule_delivery_check(message_id, *, check):
    # Only a backend that can defer runs this later (django-tasks-db, in production).
    if check < len(CHECK_DELIVERY_AFTER) and default_task_backend.supports_defer:
        run_after = timezone.now() + CHECK_DELIVERY_AFTER[check]
        check_delivery.using(run_after=run_after).enqueue(message_id, check)


@task()
def check_delivery(message_id, check=0):
    """Ask for the status of a message whose final delivery report has not come."""
    message = TestMessage.objects.filter(pk=message_id).first()  # gone with its user?
    if message is None or message.is_final or not message.twilio_sid:
        return
    fields = get_sender().fetch_status(message.twilio_sid)
    if fields:
        at = parse_datetime(fields.get("DateUpdated", ""))
        reported = TestMessage.objects.record_status_report({**fields, "source": "fetch"}, at=at)
        message = reported or message
    if not message.is_final:
        schedule_delivery_check(message_id, check=check + 1)


@task()
def play_offline_report(fields):
    """The offline sender's stand-in for Twilio calling our status webhook."""
    TestMessage.objects.record_status_report(fields)
