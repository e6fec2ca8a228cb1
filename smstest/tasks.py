"""Background work: handing test messages to the SMS sender, and the offline sender's reports."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
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
        # Only a backend that can defer runs this later (django-tasks-db, in production).
        if default_task_backend.supports_defer:
            check_delivery.using(run_after=timezone.now() + CHECK_DELIVERY_AFTER).enqueue(
                message.pk
            )


@task()
def check_delivery(message_id):
    """Ask for the status of a message whose final delivery report has not come."""
    message = TestMessage.objects.get(pk=message_id)
    if message.is_final or not message.twilio_sid:
        return
    fields = get_sender().fetch_status(message.twilio_sid)
    if fields:
        TestMessage.objects.record_status_report({**fields, "source": "fetch"})


@task()
def play_offline_report(fields):
    """The offline sender's stand-in for Twilio calling our status webhook."""
    TestMessage.objects.record_status_report(fields)
