"""Sending SMS through Twilio's Messages API: the only module that talks to Twilio.

What Twilio's docs say, and what follows from it here:

- A 429 (error 20429) and a 503 (20503) mean Twilio did not process the request: it is safe
  to send again after a pause, as Retry-After asks or with exponential backoff
  (https://www.twilio.com/docs/api/errors/20429, https://www.twilio.com/docs/api/errors/20503).
- A 500 (20500), and any other 5xx, may come after the message was accepted; creating a
  message is not idempotent, so sending it again could deliver it twice
  (https://www.twilio.com/docs/api/errors/20500). The same holds for a timeout or a broken
  connection once the request has started to go out. Those are never retried.
- Status callbacks are signed with our auth token
  (https://www.twilio.com/docs/usage/security#validating-requests).

One deadline, settings.TWILIO_TIMEOUT_SECONDS, bounds a whole call (send() or fetch_status()):
every try, every pause between tries, and within a try connecting, the TLS handshake,
writing the request and reading the answer. requests' own timeout cannot do that: it
bounds each socket operation, so an answer trickling in byte by byte never ends. Each try
therefore runs on urllib3 connections of ours (see _TrackedConnection) that

- connect with only the time left (each address the host resolves to gets what is left,
  not the whole timeout again), and the TLS handshake too, which CPython bounds as a whole
  by the socket's timeout;
- note when the request starts to go out: a failure before that point surely sent nothing,
  one after it leaves the outcome unknown. (The exception types cannot tell: urllib3
  reports a TLS handshake timeout as a ReadTimeoutError, as if Twilio were answering.)
- from then on are watched by a timer that shuts the socket down at the deadline.

Resolving Twilio's host name is left to the system resolver and its own timeouts.
"""

import contextlib
import enum
import http.client
import logging
import socket
import threading
import time
from contextvars import ContextVar
from http import HTTPStatus

import requests
import urllib3
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family, create_connection

from . import BaseSender, SendError, SendResult

logger = logging.getLogger(__name__)

# At most this many tries after the first, within the deadline.
RETRIES = 3
# The first pause between tries, in seconds, when Twilio names none; doubled each time.
BACKOFF_SECONDS = 0.5
# A try started with less time left would likely be cut off by the deadline after the
# request went out, turning "surely not sent" into "outcome unknown": not worth it.
MIN_TRY_SECONDS = 1.0
# The answers after which Twilio has surely not acted on the request.
RETRY_STATUSES = {429, 503}
OUTCOME_UNKNOWN = "No answer came back from Twilio."
NOT_CONNECTED = "Could not connect to Twilio."
# What a failed exchange can raise below the SDK: requests wraps most of urllib3's and
# http.client's errors, not all.
NETWORK_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)


class TwilioSender(BaseSender):
    """Sends SMS and fetches their status with Twilio's official SDK (see the module docs)."""

    def __init__(self, *, sleep=time.sleep, clock=time.monotonic):
        """Reads the TWILIO_* settings; `sleep(seconds)` pauses between tries and `clock()`
        reads a monotonic clock in seconds (tests replace both to skip the pauses).

        Raises ImproperlyConfigured without an account SID and auth token, without a
        sender (TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID) or without a positive
        TWILIO_TIMEOUT_SECONDS.
        """
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
        if not settings.TWILIO_TIMEOUT_SECONDS > 0:
            raise ImproperlyConfigured("TWILIO_TIMEOUT_SECONDS must be a positive number.")
        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=_DeadlineHttpClient(
                timeout=settings.TWILIO_TIMEOUT_SECONDS, sleep=sleep, clock=clock
            ),
        )
        # The SDK has no option for its host: every Messages API URL is built from the
        # Api domain's base_url, so this is what points it at a local fake in tests.
        self.client.api.base_url = settings.TWILIO_API_BASE_URL

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendResult:
        """Create one message: `to` in E.164, `body` as is, delivery reports to the
        `status_callback` URL if given. Takes at most TWILIO_TIMEOUT_SECONDS (+ a few ms).

        Returns SendResult(sid, status, sender), `sender` being the number Twilio sends
        from, or the Messaging Service SID while the service has yet to pick one.

        Raises SendError:
        - for Twilio's error answers (4xx, and a 429 or 503 still there when the deadline
          leaves no time for another try): Twilio's message and error code (20429 for a
          429 that names none), outcome_unknown False;
        - "Could not connect to Twilio." when no try got connected (refused, DNS, connect
          or TLS handshake failure or timeout): nothing was sent, outcome_unknown False;
        - OUTCOME_UNKNOWN, outcome_unknown True, for a 5xx but 503, and for a timeout or a
          broken connection after the request started to go out: Twilio may have sent it.
        """
        fields = {"to": to, "body": body, **self.origin}
        if status_callback:
            fields["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**fields)
        except (TwilioRestException, TwilioServiceException) as error:
            raise _send_error(error) from error
        sender = message.from_ or message.messaging_service_sid or ""
        return SendResult(sid=message.sid, status=message.status, sender=sender)

    def fetch_status(self, sid: str) -> dict | None:
        """Message `sid` as Twilio knows it now, as the fields of a status callback
        (MessageSid, MessageStatus, and DateUpdated, ErrorCode, ErrorMessage when set).

        None when that cannot be known within TWILIO_TIMEOUT_SECONDS: an error answer, a
        network failure or the deadline (a fetch is retried like a send).
        """
        try:
            message = self.client.messages(sid).fetch()
        except (TwilioException, SendError, ValueError) as error:
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


def is_valid_signature(url: str, params, signature: str) -> bool:
    """Whether `signature` (the X-Twilio-Signature header) proves that Twilio sent this
    request to `url` (the full public URL, query included) with the form fields `params`.

    `params` is a dict or a QueryDict (request.POST): the SDK's RequestValidator signs
    every value of a repeated field (see the module docs for Twilio's page). False
    without an auth token or a signature.
    """
    if not (settings.TWILIO_AUTH_TOKEN and signature):
        return False
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature)


def _send_error(error: TwilioRestException | TwilioServiceException) -> SendError:
    """The SendError for an error answer, which the SDK raises for any status but 2xx."""
    if isinstance(error, TwilioServiceException):  # an RFC 9457 problem, newer APIs
        message, code = error.detail or error.title, error.code
    else:
        message = error.msg.removeprefix("Unable to create record").removeprefix(": ")
        # Without Twilio's JSON error body the SDK puts the HTTP status where its code belongs.
        code = error.code if error.code != error.status else None
    if error.status >= 500 and error.status not in RETRY_STATUSES:
        return SendError(OUTCOME_UNKNOWN, code=code, outcome_unknown=True)
    if error.status == 429 and code is None:
        code = 20429
    if not message:
        message = f"Twilio answered {error.status} {_phrase(error.status)}."
    return SendError(message, code=code)


def _phrase(status):
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class _DeadlineHttpClient(TwilioHttpClient):
    """The SDK's HTTP client, with one deadline per call and retries only where Twilio
    surely did not act on the request.

    Retrying here, below the SDK, is where the response headers (Retry-After) are at hand.
    Network failures come out as SendError; error answers go up to the SDK, which raises
    them as TwilioRestException.
    """

    def __init__(self, *, timeout, sleep, clock):
        super().__init__(timeout=timeout)
        adapter = _TrackingAdapter()
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.sleep = sleep
        self.clock = clock

    def request(
        self,
        method,
        url,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,  # the SDK's per-call timeout: never set, the deadline rules
        allow_redirects=False,
    ):
        """The SDK's Response: any answer but a 429 or 503, or one of those when the
        deadline or RETRIES leave no further try. Raises SendError for network failures."""
        deadline = _Deadline(self.timeout, self.clock)
        for retry in range(RETRIES + 1):
            with _Try(deadline) as attempt:
                try:
                    response = super().request(
                        method, url, params, data, headers, auth, deadline.left(), allow_redirects
                    )
                except NETWORK_ERRORS as error:
                    if not attempt.sent_nothing:
                        logger.warning(
                            "Twilio did not answer %s %s%s: %s",
                            method,
                            url,
                            " by the deadline" if attempt.expired else "",
                            error,
                        )
                        raise SendError(OUTCOME_UNKNOWN, outcome_unknown=True) from error
                    failure, response, wait = error, None, None
                else:
                    if response.status_code not in RETRY_STATUSES:
                        return response
                    wait = _retry_after(response)
            if wait is None:
                wait = BACKOFF_SECONDS * 2**retry
            if retry == RETRIES or wait + MIN_TRY_SECONDS > deadline.left():
                break
            reason = failure if response is None else f"Twilio answered {response.status_code}"
            logger.warning("%s; trying again in %ss", reason, wait)
            self.sleep(wait)
        if response is None:
            logger.warning("Could not connect to Twilio: %s", failure)
            raise SendError(NOT_CONNECTED) from failure
        return response  # a 429 or 503, for the SDK to raise


def _retry_after(response) -> float | None:
    # Twilio sends delay-seconds; anything else (an HTTP date, garbage) leaves our backoff.
    try:
        seconds = float(response.headers.get("Retry-After"))
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


class _Deadline:
    def __init__(self, seconds, clock):
        self.clock = clock
        self.end = clock() + seconds

    def left(self) -> float:
        """Seconds left, 0 once passed."""
        return max(0.0, self.end - self.clock())


class _Phase(enum.Enum):
    UNTRACKED = "untracked"  # no connection of ours involved (yet): assume the worst
    CONNECTING = "connecting"  # name, TCP, TLS: nothing of the request has gone out
    SENDING = "sending"  # from the first byte of the request on


_current_try: ContextVar["_Try | None"] = ContextVar("twilio_try", default=None)


class _Try:
    """One try of a request, in a `with` block: how far it got, and its watchdog."""

    def __init__(self, deadline: _Deadline):
        self.deadline = deadline
        self.phase = _Phase.UNTRACKED
        self.expired = False
        self._lock = threading.Lock()
        self._over = False
        self._watchdog = None

    def __enter__(self):
        self._token = _current_try.set(self)
        return self

    def __exit__(self, *exc_info):
        with self._lock:  # after this the watchdog leaves the socket alone
            self._over = True
        if self._watchdog:
            self._watchdog.cancel()
        _current_try.reset(self._token)

    @property
    def sent_nothing(self) -> bool:
        return self.phase is _Phase.CONNECTING

    def start_sending(self, sock: socket.socket):
        """The request is about to go out on `sock`: shut it down at the deadline."""
        self.phase = _Phase.SENDING
        if self._watchdog is None:
            self._watchdog = threading.Timer(self.deadline.left(), self._expire, (sock,))
            self._watchdog.daemon = True
            self._watchdog.start()

    def _expire(self, sock):
        with self._lock:
            if self._over:
                return
            self.expired = True
            # Whatever the thread sending or reading is blocked on now fails at once. The
            # plain socket's shutdown, also under TLS: no goodbye to a peer gone silent.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _TrackedConnection:
    """Mixed into urllib3's connections: keeps the current _Try's phase and deadline."""

    def _new_conn(self):
        attempt = _current_try.get()
        if attempt is None:
            return super()._new_conn()
        attempt.phase = _Phase.CONNECTING
        sock = _connect(self, attempt.deadline)
        # An HTTPS connection does its TLS handshake on this socket next, bounded as a
        # whole by the socket's timeout.
        sock.settimeout(max(attempt.deadline.left(), 0.001))
        return sock

    def request(self, *args, **kwargs):
        attempt = _current_try.get()
        if attempt is not None:
            if self.sock is None:
                self.connect()  # plain HTTP connects inside request(): do it before it starts
            attempt.start_sending(self.sock)
        super().request(*args, **kwargs)


def _connect(conn, deadline: _Deadline) -> socket.socket:
    """A TCP connection to `conn`'s host, trying each of its addresses with the time left.

    (urllib3 would give each address the whole connect timeout again.)
    """
    try:
        addresses = socket.getaddrinfo(
            conn.host, conn.port, allowed_gai_family(), socket.SOCK_STREAM
        )
    except socket.gaierror as error:
        raise NameResolutionError(conn.host, conn, error) from error
    error = None
    for *_, address in addresses:
        left = deadline.left()
        if not left:
            raise ConnectTimeoutError(conn, f"Could not connect to {conn.host} by the deadline.")
        try:
            return create_connection(address[:2], left, conn.source_address, conn.socket_options)
        except OSError as failure:
            error = failure
    raise NewConnectionError(conn, f"Failed to establish a new connection: {error}") from error


class _TrackedHTTPConnection(_TrackedConnection, HTTPConnection):
    pass


class _TrackedHTTPSConnection(_TrackedConnection, HTTPSConnection):
    pass


class _TrackedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _TrackedHTTPConnection


class _TrackedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


_TRACKED_POOLS = {"http": _TrackedHTTPConnectionPool, "https": _TrackedHTTPSConnectionPool}


class _TrackingAdapter(HTTPAdapter):
    """requests' adapter, with pools of tracked connections, also through an HTTP proxy.

    Through a SOCKS proxy nothing is tracked: every failure then leaves the outcome unknown,
    and only requests' own timeouts bound a try.
    """

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _TRACKED_POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _TRACKED_POOLS
        return manager
