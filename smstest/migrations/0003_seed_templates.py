from django.db import migrations

TEMPLATES = [
    ("Plain test", "Hi {first_name}, this is a test message from {site_name} sent at {time}."),
    (
        "Unicode and emoji",
        "Unicode test from {site_name} 👋 Grüße, ¡hola!, こんにちは, Привет ✅",
    ),
    (
        "Long multi-segment",
        "Hi {first_name}, this long test checks that your phone joins the parts of a "
        "concatenated SMS back together. Carriers split any message over 160 GSM-7 "
        "characters into parts of 153, and your phone should show them as one message, in "
        "order, with nothing missing. If you can read this whole sentence, and the final "
        "line below, multi-part delivery to {number} works. Sent by {site_name} at {time}. "
        "— end of test —",
    ),
    (
        "Link",
        "{site_name} link test: open https://example.com/sms-check to confirm that links in "
        "our messages arrive and can be tapped.",
    ),
]


def seed(apps, schema_editor):
    MessageTemplate = apps.get_model("smstest", "MessageTemplate")
    for order, (name, body) in enumerate(TEMPLATES):
        MessageTemplate.objects.get_or_create(name=name, defaults={"body": body, "order": order})


def unseed(apps, schema_editor):
    MessageTemplate = apps.get_model("smstest", "MessageTemplate")
    MessageTemplate.objects.filter(name__in=[name for name, _ in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("smstest", "0002_test_messages")]
    operations = [migrations.RunPython(seed, unseed)]
