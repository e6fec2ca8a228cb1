"""A stand-in for Twilio's Messages API on 127.0.0.1, for driving the real SDK in tests.

It records every request and answers with the replies a test scripts, in order.
"""

import base64
import dataclasses
import json
import re
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account_sid>AC\w+)/Messages\.json$")
MESSAGE_PATH = re.compile(
    r"^/2010-04-01/Accounts/(?P<account_sid>AC\w+)/Messages/(?P<sid>SM\w+)\.json$"
)


@dataclass(frozen=True)
class Reply:
    status: int | None  # None: no answer at all
    body: dict | None = None  # on a 201: what differs from the message Twilio would create
    headers: dict = field(default_factory=dict)
    hang: bool = False  # before not answering, hold the connection until the fake stops
    byte_interval: float | None = None  # seconds between the bytes of a trickled answer


def created(sid=None, from_=None):
    """Twilio's 201 for a new message; `from_`: the number it reports sending from."""
    changes = {"sid": sid, "from": from_}
    return Reply(201, {name: value for name, value in changes.items() if value is not None})


def fetched(status, error_code=None, error_message=None, date_updated=None):
    """The message resource as a fetch returns it later, with its status by then."""
    body = {"status": status, "error_code": error_code, "error_message": error_message}
    if date_updated:
        body["date_updated"] = format_datetime(date_updated)
    return Reply(200, body)


def error(status, code, message, headers=None):
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Reply(status, body, headers or {})


def hang():
    """Takes the request and answers nothing until the fake stops: the client times out."""
    return Reply(None, hang=True)


def disconnect():
    """Takes the request and closes the connection without answering."""
    return Reply(None)


def trickle(reply=None, seconds_per_byte=0.5):
    """`reply` (by default `created()`), one byte every `seconds_per_byte`: a whole answer
    takes minutes, while each byte comes well within a read timeout."""
    return dataclasses.replace(reply or created(), byte_interval=seconds_per_byte)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    fields: dict[str, str]
    auth: tuple[str, str] | None
    content_type: str = ""


class FakeTwilio:
    def __init__(self):
        self.requests: list[RecordedRequest] = []
        # The status and JSON body of each answer, in the order of `requests`.
        self.answers: list[tuple[int | None, dict | None]] = []
        self.stopping = threading.Event()
        self._replies: deque[Reply] = deque()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        host, port = self._server.server_address
        self.url = f"http://{host}:{port}"

    def reply(self, *replies: Reply):
        self._replies.extend(replies)

    def __enter__(self):
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopping.set()  # releases hanging handlers, which the server waits for
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def answer(self, request: RecordedRequest) -> tuple[Reply, dict | None]:
        """The reply to `request` and its JSON body."""
        self.requests.append(request)
        reply, body = self._answer(request)
        self.answers.append((reply.status, body))
        return reply, body

    def _answer(self, request):
        path = MESSAGES_PATH.match(request.path)
        resource = MESSAGE_PATH.match(request.path)
        if request.method == "GET" and resource:
            reply = self._replies.popleft() if self._replies else error(404, 20404, "Not found")
            if reply.status == 200:
                created = _message(resource["account_sid"], {})
                return reply, created | {"sid": resource["sid"]} | reply.body
            return reply, reply.body
        if not (request.method == "POST" and path):
            reply = error(404, 20404, "The requested resource was not found")
        elif self._replies:
            reply = self._replies.popleft()
        else:
            reply = error(500, 20500, "fake Twilio: no reply scripted for this request")
        if reply.status == 201:
            return reply, _message(path["account_sid"], request.fields) | (reply.body or {})
        return reply, reply.body


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        fields = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
        content_type = self.headers.get("Content-Type", "")
        request = RecordedRequest(self.command, self.path, fields, _basic_auth(self), content_type)
        fake = self.server.fake
        reply, body = fake.answer(request)
        if reply.status is None:
            if reply.hang:
                fake.stopping.wait(timeout=10)
            return  # the connection closes without a response
        response = _response(reply, body)
        if reply.byte_interval is None:
            self.wfile.write(response)
            return
        for at in range(len(response)):
            if fake.stopping.wait(reply.byte_interval):
                return
            try:
                self.wfile.write(response[at : at + 1])
            except OSError:
                return  # the client gave up

    do_GET = do_POST

    def log_message(self, format, *args):
        pass  # keeps test output clean


def _response(reply, body):
    content = json.dumps(body).encode()
    head = [
        f"HTTP/1.0 {reply.status} {HTTPStatus(reply.status).phrase}",
        "Content-Type: application/json",
        f"Content-Length: {len(content)}",
        *(f"{name}: {value}" for name, value in reply.headers.items()),
    ]
    return "\r\n".join([*head, "", ""]).encode() + content


def _basic_auth(handler):
    scheme, _, credentials = handler.headers.get("Authorization", "").partition(" ")
    if scheme != "Basic":
        return None
    username, _, password = base64.b64decode(credentials).decode().partition(":")
    return username, password


def _message(account_sid, fields):
    """The message resource Twilio returns on creation, as in its API reference."""
    sid = "SM" + secrets.token_hex(16)
    now = format_datetime(datetime.now(UTC))
    uri = f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}"
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": fields.get("Body"),
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": fields.get("From"),
        "messaging_service_sid": fields.get("MessagingServiceSid"),
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        # A message for a Messaging Service waits for it to pick a sender.
        "status": "accepted" if "MessagingServiceSid" in fields else "queued",
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": fields.get("To"),
        "uri": f"{uri}.json",
    }
