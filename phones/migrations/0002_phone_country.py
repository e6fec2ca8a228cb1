import phonenumbers
from django.db import migrations, models

# As phones.models.SAME_NUMBERING_PLAN_AS, frozen here as migrations must be.
SAME_NUMBERING_PLAN_AS = {"GG": "GB", "JE": "GB", "IM": "GB"}


def fill_country(apps, schema_editor):
    PhoneNumber = apps.get_model("phones", "PhoneNumber")
    for phone in PhoneNumber.objects.all().iterator():
        region = phonenumbers.region_code_for_number(phone.number) or ""
        region = SAME_NUMBERING_PLAN_AS.get(region, region)
        phone.country = region if len(region) == 2 else ""
        phone.save(update_fields=["country"])


class Migration(migrations.Migration):
    dependencies = [("phones", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="phonenumber",
            name="country",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=2),
        ),
        migrations.RunPython(fill_country, migrations.RunPython.noop),
    ]
