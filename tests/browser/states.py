"""Numbers whose code SMS is in each delivery state, and a test whose outcome is unknown:
what the accessibility test and screenshots need on the page, made without a worker."""

import secrets

from django.utils import timezone

from sms.models import Status
from tests.factories import MessageFactory, PhoneNumberFactory

TWILIO_REFUSALS = {21610: "Attempt to send to unsubscribed recipient"}


def sid():
    return "SM" + secrets.token_hex(16)


def pending_with_code(user, number, status, **message_fields):
    """A pending number whose live code's SMS has `status`: the row shows its state."""
    phone = PhoneNumberFactory(
        user=user, number=number, code_hash="0" * 64, code_sent_at=timezone.now()
    )
    if status in (Status.SENT, Status.DELIVERED):
        message_fields.setdefault("twilio_sid", sid())
    if status == Status.DELIVERED:
        message_fields.setdefault("delivered_at", timezone.now())
    phone.code_message = MessageFactory(
        user=user,
        phone=phone,
        purpose="verification",
        body="Your sms.example.test code is 123456.",
        status=status,
        **message_fields,
    )
    phone.save(update_fields=["code_message"])
    return phone


def opted_out(user, number):
    """Twilio refused the code (21610): it never took it, so there is no SID."""
    return pending_with_code(
        user,
        number,
        Status.FAILED,
        error_code=21610,
        error_message=TWILIO_REFUSALS[21610],
    )


def code_rows_in_every_state(user):
    return [
        pending_with_code(user, "+12065550101", Status.PENDING),
        pending_with_code(user, "+12065550102", Status.SENT),
        pending_with_code(user, "+12065550103", Status.DELIVERED),
        opted_out(user, "+12065550104"),
        pending_with_code(
            user, "+12065550105", Status.UNKNOWN, error_message="Twilio did not answer in time."
        ),
    ]


def outcome_unknown_test(user, phone):
    return MessageFactory(
        user=user,
        phone=phone,
        status=Status.UNKNOWN,
        attempts=1,
        error_message="No answer came back from Twilio.",
    )
