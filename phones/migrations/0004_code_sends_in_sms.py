"""Codes sent before the sms app existed get their sms.Message, so that the one list of
every outbound SMS is complete and the code quotas (which now count sms.Message rows) still
see the codes of the last day."""

import re

from django.db import migrations

SID = re.compile(r"SMS ((?:SM|MM)[0-9a-fA-F]{32})")


def record_past_code_sends(apps, schema_editor):
    PhoneEvent = apps.get_model("phones", "PhoneEvent")
    Message = apps.get_model("sms", "Message")
    taken = set(Message.objects.exclude(twilio_sid=None).values_list("twilio_sid", flat=True))
    messages = []
    for event in PhoneEvent.objects.filter(kind="code_sent").order_by("pk").iterator():
        match = SID.search(event.detail)
        sid = match[1] if match and match[1] not in taken else None
        messages.append(
            Message(
                user_id=event.user_id,
                purpose="verification",
                to_number=event.number,
                body="(a verification code; its text was not kept)",
                encoding="GSM-7",
                segments=1,
                status="sent" if sid else "unknown",
                twilio_sid=sid,
                attempts=1,
                created_at=event.created_at,
                submitted_at=event.created_at,
            )
        )
    Message.objects.bulk_create(messages)


class Migration(migrations.Migration):
    dependencies = [
        ("phones", "0003_code_message"),
        ("sms", "0001_initial"),
    ]

    operations = [migrations.RunPython(record_past_code_sends, migrations.RunPython.noop)]
