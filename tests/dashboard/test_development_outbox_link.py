"""In development (DEBUG with the offline sender) the sidebar links to /dev/outbox/, where the
codes and test messages that were not texted can be read."""

import pytest
from django.urls import reverse

from .test_navigation import Navigation

pytestmark = pytest.mark.django_db

OFFLINE = "sms.senders.offline.OfflineSender"


@pytest.fixture
def development(settings):
    settings.DEBUG = True
    settings.SMS_SENDER = OFFLINE


def sidebar(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return {link["text"]: link for link in Navigation(response.content.decode()).sidebar}


@pytest.mark.parametrize(
    "url", [reverse("dashboard:home"), reverse("phones:manage"), reverse("password_change")]
)
def test_in_development_every_page_links_to_the_outbox(user_client, development, url):
    links = sidebar(user_client, url)
    assert links["Development outbox"]["href"] == reverse("sms:dev_outbox")
    assert links["Development outbox"]["current"] is None


def test_on_the_outbox_its_link_is_the_current_one(user_client, development):
    links = sidebar(user_client, reverse("sms:dev_outbox"))
    assert [text for text, link in links.items() if link["current"]] == ["Development outbox"]


@pytest.mark.parametrize(
    ("debug", "sender"),
    [(False, OFFLINE), (True, "sms.senders.twilio.TwilioSender")],
    ids=["production", "development-with-twilio"],
)
def test_elsewhere_the_sidebar_has_no_outbox(user_client, settings, debug, sender):
    settings.DEBUG = debug
    settings.SMS_SENDER = sender
    assert "Development outbox" not in sidebar(user_client, reverse("dashboard:home"))
