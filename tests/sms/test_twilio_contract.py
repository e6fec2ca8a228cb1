"""Every request TwilioSender makes, checked against Twilio's own API description.

The description is Twilio's OpenAPI file for API 2010-04-01, kept outside the project in
../shared/twilio (see its README). The checker below knows just enough OpenAPI for the
operations we use: paths and their parameters, form bodies, $ref, type, enum, pattern,
lengths, nullable, and the formats those operations name.
"""

import json
import re
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from sms.senders.twilio import TwilioSender
from tests.sms.fake_twilio import RecordedRequest, created, fetched

SPEC_PATH = Path(__file__).resolve().parents[3] / "shared/twilio/twilio_api_v2010.json"
FORM = "application/x-www-form-urlencoded"
MESSAGE_SCHEMA = "#/components/schemas/api.v2010.account.message"
SERVICE_SID = "MG" + "0123456789abcdef" * 2
CALLBACK_URL = "https://sms.example.test/webhooks/twilio/status/?m=5f0c4b7e"


@pytest.fixture(scope="module")
def spec():
    if not SPEC_PATH.is_file():
        pytest.skip(f"Twilio's API description is not at {SPEC_PATH}; CI always has ../shared")
    return json.loads(SPEC_PATH.read_text())


@pytest.mark.parametrize("callback", [CALLBACK_URL, None], ids=["callback", "no-callback"])
@pytest.mark.parametrize("origin", ["from-number", "messaging-service"])
def test_sending_makes_only_requests_twilio_defines(spec, settings, fake_twilio, origin, callback):
    if origin == "messaging-service":
        settings.TWILIO_MESSAGING_SERVICE_SID = SERVICE_SID
    fake_twilio.reply(created())

    TwilioSender().send("+15551230001", "Your code is 123456 ✓", status_callback=callback)

    [request] = fake_twilio.requests
    assert request_problems(spec, request) == []


def test_fetching_a_status_makes_only_requests_twilio_defines(spec, fake_twilio):
    fake_twilio.reply(fetched("delivered"))

    assert TwilioSender().fetch_status("SM" + "5" * 32) is not None

    [request] = fake_twilio.requests
    assert request_problems(spec, request) == []


def test_the_fakes_messages_are_shaped_like_twilios(spec, settings, fake_twilio):
    fake_twilio.reply(created(), created(from_="+15005550009"), fetched("undelivered", 30003, "x"))
    TwilioSender().send("+15551230001", "Hello")
    settings.TWILIO_MESSAGING_SERVICE_SID = SERVICE_SID
    TwilioSender().send("+15551230001", "Hello")
    TwilioSender().fetch_status("SM" + "5" * 32)

    assert len(fake_twilio.answers) == 3
    for request, (status, body) in zip(fake_twilio.requests, fake_twilio.answers, strict=True):
        operation, _ = find_operation(spec, request)
        schema_ref = operation["responses"][str(status)]["content"]["application/json"]["schema"]
        assert schema_ref == {"$ref": MESSAGE_SCHEMA}
        assert json_problems(spec, "message", body, schema_ref) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"path": "/2010-04-01/Accounts/AC1/Messages.json"}, "AccountSid: 'AC1' does not match"),
        ({"path": "/2010-04-01/Accounts/{account}/Message.json"}, "no POST operation"),
        ({"fields": {"Body": "Hi"}}, "To is required"),
        ({"fields": {"To": "+15551230001", "Sender": "+1"}}, "Sender is not a field"),
        ({"fields": {"To": "+15551230001", "MessagingServiceSid": "MG12"}}, "does not match"),
        ({"fields": {"To": "+15551230001", "StatusCallback": "/status/"}}, "not a uri"),
        ({"fields": {"To": "555-1230"}}, "not a phone-number"),
        ({"fields": {"To": "+15551230001", "ValidityPeriod": "soon"}}, "not an integer"),
        ({"content_type": "application/json"}, "content type 'application/json'"),
        ({"auth": None}, "no basic auth"),
    ],
)
def test_the_checker_finds_what_twilio_would_refuse(spec, change, problem):
    account = "AC" + "0" * 32
    valid = {
        "method": "POST",
        "path": f"/2010-04-01/Accounts/{account}/Messages.json",
        "fields": {"To": "+15551230001", "From": "+15005550006", "Body": "Hi"},
        "auth": (account, "token"),
        "content_type": FORM,
    }
    valid |= change
    valid["path"] = valid["path"].format(account=account)
    request = RecordedRequest(**valid)

    assert any(problem in found for found in request_problems(spec, request)), problem


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"segments": 1}, "message.segments is not in the schema"),
        ({"status": "handed-over"}, "'handed-over' is not one of"),
        ({"sid": "SM12"}, "does not match"),
        ({"date_created": "2026-11-29T09:30:00Z"}, "is not a date-time-rfc-2822"),
        ({"error_code": "30003"}, "'30003' is not of type integer"),
        ({"direction": None}, "message.direction is null"),
    ],
)
def test_the_checker_finds_a_message_unlike_twilios(spec, change, problem):
    account = "AC" + "0" * 32
    message = {"account_sid": account, "sid": "SM" + "5" * 32, "status": "queued"} | change

    problems = json_problems(spec, "message", message, {"$ref": MESSAGE_SCHEMA})

    assert any(problem in found for found in problems), problems


# A small checker for the parts of OpenAPI 3.0 that these operations use.


def request_problems(spec, request: RecordedRequest) -> list[str]:
    """What in `request` Twilio's API description does not allow; [] if nothing."""
    found = find_operation(spec, request)
    if found is None:
        return [f"{request.path}: no {request.method} operation at such a path"]
    operation, path_values = found
    problems = []
    parameters = {(p["in"], p["name"]): p for p in operation.get("parameters", [])}
    for (place, name), parameter in parameters.items():
        if place == "path":
            problems += string_problems(spec, name, path_values[name], parameter["schema"])
    for name, value in parse_qsl(urlsplit(request.path).query, keep_blank_values=True):
        if ("query", name) not in parameters:
            problems.append(f"{name} is not a query parameter of this operation")
        else:
            problems += string_problems(spec, name, value, parameters["query", name]["schema"])
    if request.auth is None or request.auth[0] != path_values.get("AccountSid"):
        problems.append("no basic auth with the account SID, as the security scheme asks")
    body = operation.get("requestBody")
    if body is None:
        if request.fields or request.content_type:
            problems.append("a body, which this operation does not take")
        return problems
    media_type = request.content_type.partition(";")[0].strip()
    if media_type not in body["content"]:
        return [*problems, f"content type {media_type!r}, not one of {list(body['content'])}"]
    schema = resolve(spec, body["content"][media_type]["schema"])
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in request.fields:
            problems.append(f"{name} is required")
    for name, value in request.fields.items():
        if name not in properties:
            problems.append(f"{name} is not a field of {schema.get('title', 'this body')}")
        else:
            problems += string_problems(spec, name, value, properties[name])
    return problems


def find_operation(spec, request: RecordedRequest):
    """The operation for the request's method and path, and the path's values; or None."""
    path = urlsplit(request.path).path
    for template, item in spec["paths"].items():
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        match = re.fullmatch(pattern, path)
        if match and request.method.lower() in item:
            return item[request.method.lower()], match.groupdict()
    return None


def resolve(spec, schema):
    while "$ref" in schema:
        *_, kind, name = schema["$ref"].split("/")
        schema = spec["components"][kind][name]
    return schema


def string_problems(spec, name, value: str, schema) -> list[str]:
    """Problems with `value` as a string sent for `schema` (a form field, a path part)."""
    schema = resolve(spec, schema)
    kind = schema.get("type", "string")
    if kind == "integer" and not re.fullmatch(r"-?\d+", value):
        return [f"{name}: {value!r} is not an integer"]
    if kind == "number" and not re.fullmatch(r"-?\d+(\.\d+)?", value):
        return [f"{name}: {value!r} is not a number"]
    if kind == "boolean" and value not in ("true", "false"):
        return [f"{name}: {value!r} is not a boolean"]
    if kind == "array":
        return string_problems(spec, name, value, schema["items"])
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{name}: {value!r} is not one of {schema['enum']}")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        problems.append(f"{name}: {value!r} does not match {schema['pattern']}")
    if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
        problems.append(f"{name}: {value!r} has the wrong length")
    if (form := schema.get("format")) and not schema.get("x-twilio", {}).get("ignoreFormat"):
        if form not in FORMATS:
            problems.append(f"{name}: this checker does not know the format {form!r}")
        elif not FORMATS[form](value):
            problems.append(f"{name}: {value!r} is not a {form}")
    return problems


def json_problems(spec, name, value, schema) -> list[str]:
    """Problems with `value`, decoded from JSON, for `schema`."""
    schema = resolve(spec, schema)
    if value is None:
        return [] if schema.get("nullable") else [f"{name} is null"]
    kind = schema.get("type", "string")
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{name}: {value!r} is not an object"]
        properties = schema.get("properties")
        if properties is None:  # free-form, like subresource_uris
            return [f"{name}.{key}: not a string" for key, v in value.items() if type(v) is not str]
        problems = [f"{name}.{key} is not in the schema" for key in value if key not in properties]
        for key, item in value.items():
            if key in properties:
                problems += json_problems(spec, f"{name}.{key}", item, properties[key])
        return problems
    types = {"string": str, "integer": int, "number": (int, float), "boolean": bool}
    if not isinstance(value, types[kind]) or (kind != "boolean" and type(value) is bool):
        return [f"{name}: {value!r} is not of type {kind}"]
    if kind == "string":
        return string_problems(spec, name, value, schema)
    if "enum" in schema and value not in schema["enum"]:
        return [f"{name}: {value!r} is not one of {schema['enum']}"]
    return []


def _is_uri(value):
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _is_rfc_2822(value):
    try:
        return parsedate_to_datetime(value).tzinfo is not None
    except (TypeError, ValueError):
        return False


FORMATS = {
    # Twilio also takes short codes, sender IDs and channel addresses: we send numbers.
    "phone-number": lambda value: re.fullmatch(r"\+[1-9]\d{1,14}", value) is not None,
    "uri": _is_uri,
    "date-time-rfc-2822": _is_rfc_2822,
    "currency": lambda value: re.fullmatch(r"[A-Z]{3}", value) is not None,
}
