from django.db import migrations

# The seeded long test used em dashes, which GSM-7 lacks: it went out as UCS-2 in 7 parts
# instead of the 153-character GSM-7 parts its own text describes.
OLD_ENDING = "— end of test —"
NEW_ENDING = "-- end of test --"


def use_gsm7_dashes(apps, schema_editor):
    MessageTemplate = apps.get_model("smstest", "MessageTemplate")
    for template in MessageTemplate.objects.filter(
        name="Long multi-segment", body__endswith=OLD_ENDING
    ):
        template.body = template.body.removesuffix(OLD_ENDING) + NEW_ENDING
        template.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("smstest", "0003_seed_templates")]
    operations = [migrations.RunPython(use_gsm7_dashes, migrations.RunPython.noop)]
