"""The seam between the app and whatever delivers SMS, chosen by settings.SMS_SENDER.

Like Django's email backends: `TwilioSender` talks to Twilio, `OfflineSender` keeps what it
sends in the database (see /dev/outbox/) and plays delivery reports, `LocmemSender` keeps
messages in memory for tests.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SendResult:
    """Twilio's answer to a created message: its SID, first status and sending number."""

    sid: str
    status: str = "queued"
    sender: str = ""  # the 'From' number or Messaging Service SID, as Twilio reported it


class SendError(Exception):
    """Sending failed: `message` says why in plain words, `code` is Twilio's error code.

    `outcome_unknown` is True when the request may have reached the provider (a 500, a
    timeout or reset after the request was written): it may have sent the SMS anyway, so
    the message must not be sent again by itself. False means surely nothing was sent.
    """

    def __init__(self, message, *, code=None, outcome_unknown=False):
        super().__init__(message)
        self.message = message
        self.code = code
        self.outcome_unknown = outcome_unknown


class BaseSender:
    # Whether send() takes `simulate=` (an OutboxMessage.Outcome) and plays it back.
    simulates_outcomes = False

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendResult:
        """Hand one SMS to the provider: `to` in E.164, `body` as is.

        `status_callback` is the URL the provider reports delivery to. Returns a SendResult;
        raises SendError. Must not be called inside a transaction or while holding a lock.
        """
        raise NotImplementedError

    def fetch_status(self, sid: str) -> dict | None:
        """The message's status now, as the fields of a status callback; None if unknown.

        The fallback for a delivery report that never came (lost, or arrived before the
        SID was stored). Senders that cannot ask answer None.
        """
        return None


def simulates_outcomes() -> bool:
    """Whether the configured sender plays back chosen outcomes (the offline sender).

    Read from the class: building a sender (a Twilio client) is not needed to know it, and
    would fail where the Twilio settings are incomplete.
    """
    return import_string(settings.SMS_SENDER).simulates_outcomes


def get_sender() -> BaseSender:
    return import_string(settings.SMS_SENDER)()
