"""Structured log events: one line per event that matters, with the message's public id and
the user's id, never the text of an SMS or the code it carries."""

import json
import logging
import re

import pytest
from axes.signals import user_locked_out
from django.conf import settings
from django.utils.module_loading import import_string
from twilio.request_validator import RequestValidator

from sms.models import BudgetTrip, alert_if_misconfigured
from tests.factories import MessageFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db


def json_formatter():
    """The formatter LOG_FORMAT=json selects, built from the settings as dictConfig does."""
    spec = dict(settings.LOGGING["formatters"]["json"])
    return import_string(spec.pop("()"))(**spec)


def events(caplog):
    return [record for record in caplog.records if hasattr(record, "event")]


def lines(caplog):
    formatter = json_formatter()
    return [formatter.format(record) for record in events(caplog)]


def test_a_code_sent_and_delivered_logs_json_lines_with_ids_and_no_code(
    caplog, user, committed, client, sms_outbox
):
    caplog.set_level(logging.INFO)
    phone = PhoneNumberFactory(user=user)
    with committed():
        message = phone.start_verification()
    message.refresh_from_db()
    fields = {"MessageSid": message.twilio_sid, "MessageStatus": "delivered"}
    url = "https://sms.example.test/webhooks/twilio/status/"
    signature = RequestValidator("test-auth-token").compute_signature(url, fields)
    client.post("/webhooks/twilio/status/", fields, HTTP_X_TWILIO_SIGNATURE=signature)

    code = re.search(r"code is (\d{6})\.", sms_outbox[-1].body).group(1)
    parsed = [json.loads(line) for line in lines(caplog)]
    assert [(p["event"], p.get("status")) for p in parsed] == [
        ("sms.status_applied", "queued"),
        ("sms.handed_over", "queued"),
        ("sms.status_applied", "delivered"),
    ]
    for line, entry in zip(lines(caplog), parsed, strict=True):
        assert entry["message_id"] == str(message.public_id)
        assert entry["user_id"] == user.pk
        assert entry["purpose"] == "verification"
        assert {"time", "level", "logger", "message"} <= entry.keys()
        assert code not in line
        assert "verification code" not in line
        assert "body" not in entry
    assert parsed[1]["twilio_sid"] == message.twilio_sid


def test_a_budget_trip_logs_one_event(caplog, user):
    caplog.set_level(logging.INFO)
    BudgetTrip.objects.create(budget="site", country="US", user=user, client_ip="192.0.2.1")
    [entry] = [json.loads(line) for line in lines(caplog)]
    assert entry["event"] == "sms.budget_tripped"
    assert (entry["budget"], entry["country"], entry["user_id"]) == ("site", "US", user.pk)
    assert entry["level"] == "WARNING"


def test_a_twilio_configuration_error_logs_an_event_each_time(caplog, user):
    caplog.set_level(logging.INFO)
    message = MessageFactory(user=user, body="Your code is 123456", error_code=21408)
    alert_if_misconfigured(21408, message)
    alert_if_misconfigured(21408, message)  # the mail goes once an hour, the event each time
    found = [json.loads(line) for line in lines(caplog)]
    assert [e["event"] for e in found] == ["sms.twilio_configuration_error"] * 2
    assert found[0]["error_code"] == 21408
    assert found[0]["message_id"] == str(message.public_id)
    assert "123456" not in "".join(lines(caplog))


def test_a_sign_in_lock_out_logs_the_account_id_never_the_username(caplog, user):
    caplog.set_level(logging.INFO)
    user_locked_out.send("axes", request=None, username=user.username, ip_address="198.51.100.4")
    user_locked_out.send("axes", request=None, username="no-such-person", ip_address="198.51.100.4")
    found = [json.loads(line) for line in lines(caplog)]
    assert [(e["event"], e["user_id"]) for e in found] == [
        ("auth.locked_out", user.pk),
        ("auth.locked_out", None),
    ]
    assert found[0]["client_ip"] == "198.51.100.4"
    assert user.username not in "".join(lines(caplog))
    assert "no-such-person" not in "".join(lines(caplog))


def test_log_format_picks_the_console_formatter():
    assert settings.LOG_FORMAT in ("text", "json")
    assert settings.LOGGING["handlers"]["console"]["formatter"] == settings.LOG_FORMAT
    record = logging.LogRecord("sms", logging.INFO, __file__, 1, "SMS %s", ("x",), None)
    record.event, record.message_id = "sms.handed_over", "abc"
    line = json_formatter().format(record)
    assert json.loads(line)["message_id"] == "abc"
    assert re.fullmatch(r"\{.*\}", line)  # one line
