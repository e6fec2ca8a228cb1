"""Sending SMS through Twilio's Messages API: the only module that talks to Twilio."""

import logging
import time

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from . import BaseSender, SendError, SendResult

logger = logging.getLogger(__name__)

RETRIES = 3
BACKOFF_SECONDS = 0.5
# A worker waiting on Twilio serves nobody else, so a long Retry-After is cut short.
MAX_WAIT_SECONDS = 30.0
# Answers after which Twilio has surely not acted on the request. Its error 20429
# ("Too Many Requests") comes with HTTP 429.
RETRY_STATUSES = {429, 503}
OUTCOME_UNKNOWN = "Twilio did not confirm the message (outcome unknown)"


def _never_reached_twilio(error: requests.RequestException) -> bool:
    """True when no connection was made, so no part of the request was sent.

    Any other network failure may come after Twilio received the request.
    """
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


class _RetryingHttpClient(TwilioHttpClient):
    """Repeats a request only when Twilio surely did not act on it.

    Creating a message is not idempotent: a request that reached Twilio without a clear
    answer (a 500, a read timeout) may have sent the SMS, so it is never repeated.
    Retrying here, below the SDK, is where the response headers (Retry-After) are at hand.
    """

    def __init__(self, *, timeout, sleep):
        super().__init__(timeout=timeout)
        self.sleep = sleep

    def request(self, *args, **kwargs):
        for retry in range(RETRIES):
            wait = BACKOFF_SECONDS * 2**retry
            try:
                response = super().request(*args, **kwargs)
            except requests.RequestException as error:
                if not _never_reached_twilio(error):
                    raise
                logger.warning("Could not connect to Twilio (%s), retrying in %ss", error, wait)
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                wait = min(_retry_after(response) or wait, MAX_WAIT_SECONDS)
                logger.warning("Twilio answered %s, retrying in %ss", response.status_code, wait)
            self.sleep(wait)
        return super().request(*args, **kwargs)


def _retry_after(response) -> float | None:
    # Twilio sends delay-seconds; anything else (an HTTP date, garbage) leaves our backoff.
    try:
        seconds = float(response.headers.get("Retry-After"))
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


class TwilioSender(BaseSender):
    def __init__(self, *, sleep=time.sleep):
        if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
            raise ImproperlyConfigured(
                "TwilioSender needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN."
            )
        # With a Messaging Service, Twilio picks the sender number from its pool.
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            self.origin = {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
        elif settings.TWILIO_FROM_NUMBER:
            self.origin = {"from_": settings.TWILIO_FROM_NUMBER}
        else:
            raise ImproperlyConfigured(
                "TwilioSender needs TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID."
            )
        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=_RetryingHttpClient(timeout=settings.TWILIO_TIMEOUT_SECONDS, sleep=sleep),
        )
        # The SDK has no option for its host: every Messages API URL is built from the
        # Api domain's base_url, so this is what points it at a local fake in tests.
        self.client.api.base_url = settings.TWILIO_API_BASE_URL

    def send(self, to, body, status_callback=None):
        fields = {"to": to, "body": body, **self.origin}
        if status_callback:
            fields["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**fields)
        except TwilioRestException as error:
            raise _send_error(error) from error
        except requests.RequestException as error:
            if _never_reached_twilio(error):
                raise SendError("Could not connect to Twilio.") from error
            raise SendError(OUTCOME_UNKNOWN, outcome_unknown=True) from error
        return SendResult(sid=message.sid, status=message.status)

    def fetch_status(self, sid):
        try:
            message = self.client.messages(sid).fetch()
        except (TwilioException, requests.RequestException) as error:
            logger.warning("Could not fetch the status of %s: %s", sid, error)
            return None
        fields = {"MessageSid": message.sid, "MessageStatus": message.status}
        if message.date_updated:
            # When the status last changed: the delivery time, not the time we asked.
            fields["DateUpdated"] = message.date_updated.isoformat()
        if message.error_code:
            fields["ErrorCode"] = str(message.error_code)
            fields["ErrorMessage"] = message.error_message or ""
        return fields


def _send_error(error: TwilioRestException) -> SendError:
    # Without Twilio's JSON error body the SDK puts the HTTP status where its code belongs.
    code = error.code if error.code != error.status else None
    # Any 5xx but 503 may come after Twilio accepted the message.
    if error.status >= 500 and error.status != 503:
        return SendError(OUTCOME_UNKNOWN, code=code, outcome_unknown=True)
    return SendError(error.msg.removeprefix("Unable to create record: "), code=code)


def is_valid_signature(url: str, params, signature: str) -> bool:
    """Whether `X-Twilio-Signature` proves Twilio sent this request to `url` with `params`."""
    if not (settings.TWILIO_AUTH_TOKEN and signature):
        return False
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature)
