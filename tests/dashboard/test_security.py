"""Headers and page furniture that keep the app safe in the browser."""

import json
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_content_security_policy_forbids_inline_code_and_framing(user_client):
    policy = user_client.get(reverse("dashboard:home"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_pages_carry_no_inline_script_or_style(user_client):
    for name in ["dashboard:home", "phones:manage", "smstest:history"]:
        html = user_client.get(reverse(name)).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), name
        assert " style=" not in html and "<style" not in html, name
        assert "hx-on" not in html, name


def test_htmx_is_configured_without_eval_and_with_a_timeout(user_client):
    html = user_client.get(reverse("dashboard:home")).content.decode()
    config = json.loads(re.search(r'name="htmx-config" content=\'([^\']+)\'', html)[1])
    assert config["allowEval"] is False
    assert config["timeout"] > 0
    assert config["includeIndicatorStyles"] is False


def test_csrf_token_is_set_once_on_the_body_for_htmx(user_client):
    html = user_client.get(reverse("phones:manage")).content.decode()
    assert re.search(r'<body hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'>', html)
    assert html.count("X-CSRFToken") == 1
