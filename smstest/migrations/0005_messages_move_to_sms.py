"""Test messages, their status reports and the offline outbox move to the sms app.

Each TestMessage becomes an sms.Message with purpose "test" (same text, status, SID, times,
retry links); each MessageStatusEvent a StatusReport. A failure whose outcome was unknown
gets the new status "unknown". What only the old rows had (the template used, the phone
row) is not kept: the number and the text are.
"""

from django.db import migrations


def move_to_sms(apps, schema_editor):
    TestMessage = apps.get_model("smstest", "TestMessage")
    MessageStatusEvent = apps.get_model("smstest", "MessageStatusEvent")
    OldOutbox = apps.get_model("smstest", "OutboxMessage")
    Message = apps.get_model("sms", "Message")
    StatusReport = apps.get_model("sms", "StatusReport")
    NewOutbox = apps.get_model("sms", "OutboxMessage")

    new_pk = {}
    for old in TestMessage.objects.order_by("pk").iterator():
        status = "unknown" if old.outcome_unknown and old.status == "failed" else old.status
        message = Message.objects.create(
            user_id=old.user_id,
            purpose="test",
            to_number=old.to_number,
            body=old.body,
            encoding=old.encoding,
            segments=old.segments,
            status=status,
            twilio_sid=old.twilio_sid,
            error_code=old.error_code,
            error_message=old.error_message,
            attempts=old.attempts,
            simulate=old.simulate,
            created_at=old.created_at,
            submitted_at=old.submitted_at,
            delivered_at=old.delivered_at,
        )
        new_pk[old.pk] = message.pk
    for old in TestMessage.objects.exclude(retry_of=None).iterator():
        Message.objects.filter(pk=new_pk[old.pk]).update(retry_of_id=new_pk.get(old.retry_of_id))
    StatusReport.objects.bulk_create(
        StatusReport(
            message_id=new_pk[event.message_id],
            status=event.status,
            error_code=event.error_code,
            raw=event.raw,
            created_at=event.created_at,
        )
        for event in MessageStatusEvent.objects.order_by("pk").iterator()
    )
    NewOutbox.objects.bulk_create(
        NewOutbox(to=old.to, body=old.body, sid=old.sid, outcome=old.outcome)
        for old in OldOutbox.objects.order_by("pk").iterator()
    )
    # auto_now_add set the outbox times to now: give them back.
    for old in OldOutbox.objects.iterator():
        NewOutbox.objects.filter(sid=old.sid).update(created_at=old.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("smstest", "0004_long_template_in_gsm7"),
        ("sms", "0001_initial"),
    ]

    operations = [migrations.RunPython(move_to_sms, migrations.RunPython.noop)]
