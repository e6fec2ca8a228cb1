"""Moving test messages and code sends into the sms app loses no history."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("smstest", "0004_long_template_in_gsm7"), ("phones", "0002_phone_country")]
AFTER = [("smstest", "0006_remove_moved_models"), ("phones", "0004_code_sends_in_sms")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_test_messages_reports_outbox_and_code_sends_move_to_sms_messages():
    old = migrate(BEFORE)
    user = old.get_model("auth", "User").objects.create(username="old")
    phone = old.get_model("phones", "PhoneNumber").objects.create(
        user_id=user.pk, number="+14155550100", verified_at="2026-11-01T00:00Z"
    )
    old.get_model("phones", "PhoneEvent").objects.create(
        user_id=user.pk,
        phone_id=phone.pk,
        number=phone.number,
        kind="code_sent",
        detail="SMS SM" + "a" * 32,
    )
    TestMessage = old.get_model("smstest", "TestMessage")
    common = {
        "user_id": user.pk,
        "phone_id": phone.pk,
        "to_number": phone.number,
        "encoding": "GSM-7",
        "segments": 1,
    }
    first = TestMessage.objects.create(
        **common,
        body="first",
        status="undelivered",
        twilio_sid="SM" + "b" * 32,
        error_code=30003,
    )
    old.get_model("smstest", "MessageStatusEvent").objects.create(
        message_id=first.pk, status="undelivered", error_code=30003, raw={"ErrorCode": "30003"}
    )
    TestMessage.objects.create(
        **common, body="retry", status="failed", outcome_unknown=True, retry_of_id=first.pk
    )
    old.get_model("smstest", "OutboxMessage").objects.create(
        to="+14155550100", body="Your code is 123456", sid="SM" + "c" * 32
    )

    new = migrate(AFTER)
    Message = new.get_model("sms", "Message")
    code = Message.objects.get(purpose="verification")
    assert (code.twilio_sid, code.status, code.user_id) == ("SM" + "a" * 32, "sent", user.pk)
    moved = Message.objects.get(purpose="test", body="first")
    assert (moved.status, moved.error_code, moved.twilio_sid) == (
        "undelivered",
        30003,
        "SM" + "b" * 32,
    )
    assert list(moved.status_reports.values_list("status", "error_code")) == [
        ("undelivered", 30003)
    ]
    retry = Message.objects.get(body="retry")
    assert retry.status == "unknown" and retry.retry_of_id == moved.pk
    assert new.get_model("sms", "OutboxMessage").objects.get().body == "Your code is 123456"
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # as it was
