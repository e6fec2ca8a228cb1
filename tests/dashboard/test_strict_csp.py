"""Pages hold to the strict Content-Security-Policy: nothing inline for the browser to refuse,
and htmx configured never to write a style (indicator styles, or the style attribute it would
copy from an old element onto its replacement when settling a swap)."""

import json
import re

import pytest
from django.urls import reverse

from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def htmx_config(html):
    return json.loads(re.search(r'<meta name="htmx-config" content=\'([^\']*)\'>', html).group(1))


def test_htmx_neither_evaluates_code_nor_writes_styles(user_client):
    config = htmx_config(user_client.get(reverse("dashboard:home")).content.decode())
    assert config["allowEval"] is False and config["allowScriptTags"] is False
    assert config["includeIndicatorStyles"] is False
    # Settling copies these attributes with setAttribute: a style one is refused by the CSP
    # (Chrome: "Applying inline style violates ... Content Security Policy").
    assert "style" not in config["attributesToSettle"]
    assert "class" in config["attributesToSettle"]  # htmx's swap and settle classes stay


def test_the_policy_allows_no_inline_style_or_script(user_client):
    policy = user_client.get(reverse("dashboard:home"))["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "style-src" not in policy
    assert "default-src 'self'" in policy


@pytest.fixture
def numbers(user):
    PhoneNumberFactory(user=user, primary=True, number="+12065550101")
    PhoneNumberFactory(user=user, number="+12065550102").start_verification()  # a live code


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        (reverse("dashboard:home"), {}),
        (reverse("dashboard:phone_widget"), HTMX),
        (reverse("phones:manage"), {}),
        (reverse("login"), {}),
    ],
    ids=["dashboard", "phone-widget", "phones", "login"],
)
def test_pages_and_fragments_carry_no_inline_style_script_or_handler(
    client, user, numbers, url, headers
):
    if url != reverse("login"):
        client.force_login(user)
    html = client.get(url, **headers).content.decode()
    assert not re.search(r"\sstyle=", html)
    assert "<style" not in html
    assert not re.search(r"\son[a-z]+=|\shx-on", html)
    scripts = re.findall(r"<script[^>]*>", html)
    assert all(" src=" in script for script in scripts)
