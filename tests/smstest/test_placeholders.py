import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError

from smstest.models import MessageTemplate
from smstest.placeholders import fill, unknown_placeholders

VALUES = {
    "site_name": "Phonebook",
    "first_name": "Ada",
    "number": "(415) 555-0100",
    "time": "09:30",
}


def test_fill_replaces_the_four_placeholders():
    body = "{first_name}: {site_name} to {number} at {time}"
    assert fill(body, VALUES) == "Ada: Phonebook to (415) 555-0100 at 09:30"


@pytest.mark.parametrize(
    "body",
    ["{{ secret }}", "{% load static %}", "{site_name.__class__}", "{0}", "{}", "{last_name}"],
)
def test_anything_else_stays_literal(body):
    assert fill(body, VALUES) == body


def test_values_are_not_substituted_again():
    assert fill("{first_name}", {**VALUES, "first_name": "{site_name}"}) == "{site_name}"


def test_unknown_placeholders_are_found():
    assert unknown_placeholders("Hi {first_name} {last_name} {0} {site_name.x}") == {
        "{last_name}",
        "{0}",
        "{site_name.x}",
    }
    assert unknown_placeholders("Hi {first_name}, {{ not a placeholder }}") == set()


@pytest.mark.django_db
def test_template_with_unknown_placeholder_cannot_be_saved_in_admin_forms():
    template = MessageTemplate(name="Bad", body="Hello {last_name}")
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert "Unknown placeholder(s): {last_name}" in str(error.value)


@pytest.mark.django_db
def test_seeded_catalog_has_the_four_kinds_of_test():
    from sms.segments import analyse

    # The catalog comes from data migrations, whose rows a transactional test that ran
    # before on the same worker flushed away: they run again here (they are idempotent).
    for name, step in [
        ("0003_seed_templates", "seed"),
        ("0004_long_template_in_gsm7", "use_gsm7_dashes"),
    ]:
        migration = importlib.import_module(f"smstest.migrations.{name}")
        getattr(migration, step)(django_apps, None)
    templates = {t.name: t for t in MessageTemplate.objects.all()}
    assert {"Plain test", "Unicode and emoji", "Long multi-segment", "Link"} <= set(templates)
    for template in templates.values():
        assert unknown_placeholders(template.body) == set()
    assert analyse(templates["Unicode and emoji"].body).encoding == "UCS-2"
    long_test = analyse(templates["Long multi-segment"].body)
    assert (long_test.encoding, long_test.segments) == ("GSM-7", 3)
    assert "https://" in templates["Link"].body
