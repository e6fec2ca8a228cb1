"""`manage.py seed_demo` gives the demo account numbers to try the page with."""

from io import StringIO

import pytest
from django.core.management import call_command

from dashboard.management.commands.seed_demo import DEMO_USERNAME

pytestmark = pytest.mark.django_db


def test_demo_account_gets_a_verified_primary_and_a_pending_number_once(django_user_model):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    demo = django_user_model.objects.get(username=DEMO_USERNAME)
    numbers = {str(p.number): p for p in demo.phone_numbers.all()}
    assert set(numbers) == {"+14155550100", "+14155550101"}
    assert numbers["+14155550100"].is_primary
    assert not numbers["+14155550101"].is_verified
    kinds = sorted(demo.phone_events.values_list("number", "kind"))
    assert kinds == [
        ("+14155550100", "added"),
        ("+14155550100", "primary_changed"),
        ("+14155550100", "verified"),
        ("+14155550101", "added"),
    ]
