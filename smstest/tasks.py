"""Background work: handing test messages to the SMS sender, and the offline sender's reports."""

from django.conf import settings
from django.urls import reverse
from django_tasks import task

from .models import TestMessage
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


@task()
def play_offline_report(fields):
    """The offline sender's stand-in for Twilio calling our status webhook."""
    TestMessage.objects.record_status_report(fields)
