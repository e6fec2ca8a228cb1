from django.db import migrations


class Migration(migrations.Migration):
    """The old tables go once their rows are in the sms app (0005)."""

    dependencies = [
        ("smstest", "0005_messages_move_to_sms"),
    ]

    # Whole models, dependants first: reversible, unlike removing their fields one by one
    # (the reverse would build TestMessage's indexes before its fields).
    operations = [
        migrations.DeleteModel(name="MessageStatusEvent"),
        migrations.DeleteModel(name="OutboxMessage"),
        migrations.DeleteModel(name="TestMessage"),
    ]
