"""In development (DEBUG with the offline sender) codes are not texted: next to "Send code" the
page says where to read them. Anywhere else it says nothing of the kind."""

import pytest
from django.urls import reverse

from tests.factories import PhoneNumberFactory

from .conftest import HTMX

pytestmark = pytest.mark.django_db

MANAGE = reverse("phones:manage")
HINT = "Development: codes are not texted; read them in the"
OFFLINE = "sms.senders.offline.OfflineSender"


@pytest.fixture
def phone(user):
    return PhoneNumberFactory(user=user, number="+12065550101")


@pytest.fixture
def development(settings):
    settings.DEBUG = True
    settings.SMS_SENDER = OFFLINE


def send_code_form(html, phone):
    form = html[html.index(f'id="send-code-{phone.pk}"') :]
    return form[: form.index("</form>")]


def test_in_development_the_send_code_form_links_to_the_outbox(user_client, phone, development):
    form = send_code_form(user_client.get(MANAGE).content.decode(), phone)
    assert f'{HINT} <a href="{reverse("sms:dev_outbox")}">development outbox</a>.' in form


def test_the_row_htmx_swaps_in_keeps_the_hint(user_client, phone, development):
    response = user_client.post(
        reverse("phones:edit_label", args=[phone.pk]), {"label": "A"}, **HTMX
    )
    assert HINT in send_code_form(response.content.decode(), phone)


@pytest.mark.parametrize(
    ("debug", "sender"),
    [
        (False, OFFLINE),  # a demo site in production: the outbox is for staff only
        (True, "sms.senders.twilio.TwilioSender"),
        (True, "sms.senders.locmem.LocmemSender"),
    ],
    ids=["production", "development-with-twilio", "tests"],
)
def test_elsewhere_there_is_no_hint(user_client, phone, settings, debug, sender):
    settings.DEBUG = debug
    settings.SMS_SENDER = sender
    assert HINT not in user_client.get(MANAGE).content.decode()


def test_a_verified_number_has_no_send_code_form_and_no_hint(user_client, user, development):
    PhoneNumberFactory(user=user, verified=True)
    assert HINT not in user_client.get(MANAGE).content.decode()
