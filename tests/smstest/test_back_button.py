"""Every smstest view that answers htmx with a fragment gives a history restore (Back after
an htmx page change, with htmx's history cache off) the whole page, and says it varies on
both headers so no cache hands one answer to the other."""

import pytest
from django.urls import reverse

from sms.models import Status
from tests.factories import MessageFactory, PhoneNumberFactory

from .helpers import HISTORY_RESTORE, HTMX, vary

pytestmark = pytest.mark.django_db


@pytest.fixture
def message(user):
    PhoneNumberFactory(user=user, primary=True)
    return MessageFactory(user=user, status=Status.SENT, body="on its way")


def urls(message):
    return {
        "history": reverse("smstest:history") + "?status=on-the-way",
        "message": reverse("smstest:message", args=[message.pk]),
        "panel": reverse("smstest:panel"),
    }


@pytest.mark.parametrize("view", ["history", "message", "panel"])
def test_a_history_restore_gets_the_whole_page(user_client, message, view):
    response = user_client.get(urls(message)[view], **HISTORY_RESTORE)
    html = response.content.decode()

    assert response.status_code == 200  # not 286: nothing polls a whole page
    assert "<html" in html and 'aria-label="Breadcrumb"' in html
    assert {"HX-Request", "HX-History-Restore-Request"} <= vary(response)


@pytest.mark.parametrize("view", ["history", "message", "panel"])
def test_an_htmx_request_gets_the_fragment_and_the_same_vary(user_client, message, view):
    response = user_client.get(urls(message)[view], **HTMX)

    assert "<html" not in response.content.decode()
    assert {"HX-Request", "HX-History-Restore-Request"} <= vary(response)


@pytest.mark.parametrize("view", ["history", "message", "panel"])
def test_a_plain_request_gets_the_page_and_the_same_vary(user_client, message, view):
    response = user_client.get(urls(message)[view])

    assert "<html" in response.content.decode()
    assert {"HX-Request", "HX-History-Restore-Request"} <= vary(response)


def test_back_to_a_filtered_history_shows_the_filter_and_the_results(user_client, message):
    response = user_client.get(reverse("smstest:history"), {"status": "sent"}, **HISTORY_RESTORE)
    html = response.content.decode()

    assert '<option value="on-the-way" selected>On its way</option>' in html
    assert 'id="history-results"' in html and "on its way" in html
    assert "<h1>SMS test history</h1>" in html
