"""The offline sender: keeps what it sends and plays Twilio's delivery reports back."""

import pytest
from django.urls import reverse
from django_tasks import default_task_backend

from sms.models import Message, OutboxMessage, Status
from sms.tasks import send_message
from tests.factories import MessageFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db

OFFLINE = "sms.senders.offline.OfflineSender"


@pytest.fixture
def offline(settings):
    settings.SMS_SENDER = OFFLINE
    # The database backend defers tasks; the dummy backend keeps them for us to run.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    yield default_task_backend
    default_task_backend.clear()


def play_deferred_reports(backend):
    reports = [result for result in backend.results if result.task.name == "play_offline_report"]
    for result in sorted(reports, key=lambda r: r.task.run_after):
        result.task.call(*result.args, **result.kwargs)
    return reports


@pytest.mark.parametrize(
    ("simulate", "final", "error_code"),
    [
        ("", Status.DELIVERED, None),
        ("undelivered", Status.UNDELIVERED, 30003),
        ("failed", Status.FAILED, 30006),
    ],
)
def test_reports_are_played_a_few_seconds_apart_through_the_webhook_path(
    offline, simulate, final, error_code
):
    message = MessageFactory(simulate=simulate)
    send_message.call(message.pk)
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert message.twilio_sid.startswith("SM") and len(message.twilio_sid) == 34
    assert OutboxMessage.objects.get(sid=message.twilio_sid).body == message.body

    reports = play_deferred_reports(offline)
    assert reports[0].task.run_after < reports[1].task.run_after
    message.refresh_from_db()
    assert message.status == final
    assert message.error_code == error_code
    assert [e.status for e in message.status_reports.all()] == ["queued", "sent", final]


def test_verification_codes_get_their_delivery_reports_too(offline, user):
    phone = PhoneNumberFactory(user=user, number="+14155550100")
    message = phone.start_verification()
    send_message.call(message.pk)
    assert "verification code is" in OutboxMessage.objects.get().body
    play_deferred_reports(offline)
    message.refresh_from_db()
    assert message.purpose == Message.Purpose.VERIFICATION
    assert message.status == Status.DELIVERED


@pytest.mark.parametrize(
    ("simulate", "status", "error_code", "in_outbox"),
    [
        ("opted_out", Status.FAILED, 21610, False),
        ("misconfigured", Status.FAILED, 21408, False),
        ("unknown", Status.UNKNOWN, None, True),
    ],
)
def test_simulated_refusals_and_timeouts_end_as_twilio_would_leave_them(
    offline, simulate, status, error_code, in_outbox
):
    message = MessageFactory(simulate=simulate)
    send_message.call(message.pk)
    message.refresh_from_db()
    assert (message.status, message.error_code) == (status, error_code)
    assert OutboxMessage.objects.exists() is in_outbox


def test_a_simulated_timeout_is_later_reported_delivered_through_its_message_id(offline):
    # As when Twilio created the message but its answer was lost on the way back.
    message = MessageFactory(simulate="unknown")
    send_message.call(message.pk)
    play_deferred_reports(offline)
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert message.twilio_sid == OutboxMessage.objects.get().sid


def test_a_simulated_failure_of_a_code_is_explained_on_the_number_row(offline, user, user_client):
    phone = PhoneNumberFactory(user=user)
    user_client.post(reverse("phones:send_code", args=[phone.pk]), {"simulate": "opted_out"})
    message = Message.objects.get()
    assert message.simulate == "opted_out"
    send_message.call(message.pk)
    html = user_client.get(reverse("phones:manage")).content.decode()
    assert "Code not delivered" in html
    assert "Text START to +15005550006 from this phone" in html


def test_simulate_choice_is_offered_only_by_the_offline_sender(user_client, user, settings):
    PhoneNumberFactory(user=user, primary=True)
    html = user_client.get(reverse("smstest:panel"), HTTP_HX_REQUEST="true").content.decode()
    assert "Simulate" not in html
    settings.SMS_SENDER = OFFLINE
    html = user_client.get(reverse("smstest:panel"), HTTP_HX_REQUEST="true").content.decode()
    assert "Undelivered (30003)" in html and "Failed (30006)" in html


def test_simulated_choice_is_stored_on_the_message(user_client, user, offline):
    phone = PhoneNumberFactory(user=user, primary=True)
    user_client.post(
        reverse("smstest:send"),
        {"phone": phone.pk, "template": "custom", "body": "hi", "simulate": "failed"},
    )
    assert Message.objects.get().simulate == "failed"


def test_outbox_page_lists_what_was_sent_in_development(user_client, settings):
    settings.SMS_SENDER = OFFLINE
    settings.DEBUG = True
    OutboxMessage.objects.create(to="+14155550100", body="Your code is 424242", sid="SM" + "1" * 32)
    MessageFactory(purpose="verification", twilio_sid="SM" + "1" * 32, status=Status.SENT)
    html = user_client.get(reverse("sms:dev_outbox")).content.decode()
    assert "424242" in html and "+14155550100" in html
    assert "<td>Verification code</td>" in html and '<td class="col-status">Sent</td>' in html


def test_outbox_is_hidden_with_a_real_sender(user_client, settings):
    settings.DEBUG = True
    assert user_client.get(reverse("sms:dev_outbox")).status_code == 404


def test_outbox_is_hidden_from_non_staff_when_debug_is_off(user_client, settings):
    settings.SMS_SENDER = OFFLINE
    assert user_client.get(reverse("sms:dev_outbox")).status_code == 404
