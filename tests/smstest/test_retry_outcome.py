"""In development (the offline sender) Retry lets you pick the outcome to simulate; a retry
never just copies the first message's simulated failure."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from sms.models import Message, Status
from tests.factories import MessageFactory, PhoneNumberFactory

from .helpers import HTMX, message_url

pytestmark = pytest.mark.django_db

OFFLINE = "sms.senders.offline.OfflineSender"


@pytest.fixture
def offline(settings):
    settings.SMS_SENDER = OFFLINE
    # The dummy backend keeps the tasks: nothing is really played back here.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def bounced(user):
    phone = PhoneNumberFactory(user=user, primary=True, number="+14155550123")
    return MessageFactory(
        user=user, phone=phone, status=Status.UNDELIVERED, error_code=30003, simulate="undelivered"
    )


def retry_form(html, message):
    form = re.search(
        rf'<form method="post" action="{reverse("smstest:retry", args=[message.pk])}".*?</form>',
        html,
        re.S,
    )
    assert form, "no retry form"
    return form.group(0)


@pytest.mark.parametrize("htmx", [False, True], ids=["full-page", "htmx-fragment"])
def test_in_development_retry_offers_the_outcome_to_simulate_delivered_first(
    user_client, offline, bounced, htmx
):
    html = user_client.get(message_url(bounced), **(HTMX if htmx else {})).content.decode()

    form = retry_form(html, bounced)
    assert '<select name="simulate">' in form
    assert '<option value="delivered" selected>Delivered</option>' in form
    assert '<option value="undelivered">Undelivered (30003)</option>' in form
    assert re.search(r"<label[^>]*>Simulate <select", form)


def test_a_retry_plays_the_outcome_chosen(user_client, offline, bounced):
    user_client.post(reverse("smstest:retry", args=[bounced.pk]), {"simulate": "failed"}, **HTMX)

    assert Message.objects.get(retry_of=bounced).simulate == "failed"


def test_a_retry_without_a_choice_is_delivered_not_a_copy_of_the_simulated_failure(
    user_client, offline, bounced
):
    user_client.post(reverse("smstest:retry", args=[bounced.pk]))

    assert Message.objects.get(retry_of=bounced).simulate == "delivered"


def test_an_unknown_outcome_posted_falls_back_to_delivered(user_client, offline, bounced):
    user_client.post(reverse("smstest:retry", args=[bounced.pk]), {"simulate": "exploded"})

    assert Message.objects.get(retry_of=bounced).simulate == "delivered"


def test_with_a_real_sender_there_is_no_outcome_choice_and_nothing_is_simulated(
    user_client, bounced
):
    html = user_client.get(message_url(bounced), **HTMX).content.decode()
    assert "simulate" not in retry_form(html, bounced)

    user_client.post(reverse("smstest:retry", args=[bounced.pk]), {"simulate": "failed"})

    assert Message.objects.get(retry_of=bounced).simulate == ""


def test_the_retry_form_works_without_javascript_with_its_csrf_token(user, bounced):
    """Without JavaScript there is no htmx header carrying the token: the form has it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    html = client.get(message_url(bounced)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', retry_form(html, bounced))
    assert token

    response = client.post(
        reverse("smstest:retry", args=[bounced.pk]), {"csrfmiddlewaretoken": token.group(1)}
    )

    assert response.status_code == 302
    assert response.url == message_url(Message.objects.get(retry_of=bounced))
