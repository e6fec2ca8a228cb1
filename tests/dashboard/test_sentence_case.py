"""The product speaks in sentence case: page titles, headings, buttons, menu and breadcrumb links
capitalise only their first word (and names such as SMS or Twilio)."""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db


class Labels(HTMLParser):
    """The texts of titles, headings, buttons, summaries, field labels and navigation links."""

    WHOLE = {"title", "h1", "h2", "h3", "button", "summary", "label"}

    def __init__(self, html):
        super().__init__()
        self.texts, self._open, self._nav = [], [], 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav":
            self._nav += 1
        is_button_link = tag == "a" and "button" in (attrs.get("class") or "").split()
        if tag in self.WHOLE or is_button_link or (tag == "a" and self._nav):
            self._open.append([tag, ""])

    def handle_endtag(self, tag):
        if tag == "nav":
            self._nav -= 1
        if self._open and self._open[-1][0] == tag:
            _, text = self._open.pop()
            self.texts.append(" ".join(text.split()))

    def handle_data(self, data):
        for item in self._open:
            item[1] += data


def title_cased_words(text, names):
    words = text.replace("·", " ").split()
    return [
        word
        for word in words[1:]
        if word[:1].isupper() and not word.isupper() and word.strip(",.?!:") not in names
    ]


@pytest.fixture
def numbers(user):
    primary = PhoneNumberFactory(user=user, primary=True, number="+12065550101")
    PhoneNumberFactory(user=user, verified=True, number="+12065550102")
    PhoneNumberFactory(user=user, number="+12065550103")
    return primary


SIGNED_IN = [
    lambda phone: reverse("dashboard:home"),
    lambda phone: reverse("phones:manage"),
    lambda phone: reverse("phones:delete", args=[phone.pk]),
    lambda phone: reverse("password_change"),
    lambda phone: reverse("password_change_done"),
]
SIGNED_OUT = [
    reverse("login"),
    reverse("signup"),
    reverse("password_reset"),
    reverse("password_reset_done"),
    reverse("password_reset_complete"),
    "/accounts/reset/MQ/bad-token/",
]


@pytest.mark.parametrize(
    "url_of", SIGNED_IN, ids=["dashboard", "phones", "delete", "password", "password-done"]
)
def test_signed_in_pages_use_sentence_case(user_client, user, numbers, url_of):
    html = user_client.get(url_of(numbers)).content.decode()
    names = {settings.SITE_NAME, user.first_name, user.get_full_name(), "Twilio"}
    found = {text: title_cased_words(text, names) for text in Labels(html).texts}
    assert {text: words for text, words in found.items() if words} == {}
    assert "Log out" in found  # the texts were found


def test_the_check_catches_title_case_and_lets_names_be():
    assert title_cased_words("Manage Phone Numbers", set()) == ["Phone", "Numbers"]
    assert title_cased_words("Send a test SMS with Twilio", {"Twilio"}) == []
    assert title_cased_words("Hello, Alice", {"Alice"}) == []


@pytest.mark.parametrize("url", SIGNED_OUT)
def test_pages_about_signing_in_use_sentence_case(url):
    html = Client().get(url, follow=True).content.decode()
    found = {text: title_cased_words(text, {settings.SITE_NAME}) for text in Labels(html).texts}
    assert {text: words for text, words in found.items() if words} == {}
