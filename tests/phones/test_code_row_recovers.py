"""The code row tells the truth after a worker died or a code was refused, and says so to
screen readers."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sms.models import Message, Status
from tests.factories import PhoneNumberFactory

from .conftest import HTMX

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone(user):
    return PhoneNumberFactory(user=user, number="+12065550101")


def poll(client, phone):
    return client.get(reverse("phones:code_delivery", args=[phone.pk]), **HTMX)


def test_a_code_left_submitting_by_a_dead_worker_ends_as_outcome_unknown(user_client, phone):
    message = phone.start_verification()
    long_ago = timezone.now() - timedelta(minutes=6)
    Message.objects.filter(pk=message.pk).update(
        status=Status.SUBMITTING, submitted_at=long_ago, created_at=long_ago
    )
    html = poll(user_client, phone).content.decode()
    message.refresh_from_db()
    assert message.status == Status.UNKNOWN
    assert "Outcome unknown" in html
    assert "We could not confirm whether the code was sent." in html


def test_a_refused_code_gives_the_send_button_back_without_a_reload(user_client, phone):
    message = phone.start_verification()
    message.claim_for_sending()
    message.fail("The 'To' number is not a valid phone number.", code=21211)
    response = poll(user_client, phone)
    html = response.content.decode()
    assert response.status_code == 286
    assert "Code not delivered" in html
    # The button is swapped in out of band, enabled: the refused code used no cooldown.
    form = html[html.index(f'id="send-code-{phone.pk}"') :]
    assert 'hx-swap-oob="true"' in form[: form.index(">")]
    assert "disabled" not in form[: form.index("</button>")]


def test_a_code_still_on_its_way_leaves_the_send_button_alone(user_client, phone):
    phone.start_verification()
    html = poll(user_client, phone).content.decode()
    assert f'id="send-code-{phone.pk}"' not in html


def test_the_code_state_sits_in_a_live_region_that_polling_does_not_replace(user_client, phone):
    phone.start_verification()
    html = user_client.get(reverse("phones:manage")).content.decode()
    live = html.index('<div class="code-live" aria-live="polite">')
    assert html.index(f'id="code-delivery-{phone.pk}"') > live
    assert "Code requested" in html
