"""Every page is headed and titled with settings.SITE_NAME, never with the host it was reached at
(Django's sign-in views put the current site, that is the host, in `site_name`); the pages about
signing in look the same whether or not someone is signed in."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1:8000"
NAME = "Acme Texts"


@pytest.fixture(autouse=True)
def site_name(settings):
    settings.SITE_NAME = NAME


def title(html):
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def brand(html):
    return re.search(r'<a class="brand[^"]*" href="[^"]*">.*?<span>(.*?)</span></a>', html, re.S)[1]


def assert_named(html, page_title):
    assert title(html) == f"{page_title} · {NAME}"
    assert brand(html) == NAME
    assert HOST not in html and "127.0.0.1" not in html


def reset_path(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("password_reset_confirm", args=[uid, token])


SIGNED_OUT = [
    ("login", lambda user: reverse("login"), "Log in"),
    ("signup", lambda user: reverse("signup"), "Sign up"),
    ("password-reset", lambda user: reverse("password_reset"), "Reset password"),
    ("password-reset-done", lambda user: reverse("password_reset_done"), "Check your email"),
    ("password-reset-confirm", reset_path, "Choose a new password"),
    (
        "password-reset-invalid-link",
        lambda user: "/accounts/reset/MQ/bad-token/",
        "Choose a new password",
    ),
    (
        "password-reset-complete",
        lambda user: reverse("password_reset_complete"),
        "Password changed",
    ),
]


# Sign-up sends a signed-in person to the dashboard; the others show their page to anyone.
AUTH_PAGES = [
    pytest.param(path_of, page_title, signed_in, id=f"{name}-{state}")
    for name, path_of, page_title in SIGNED_OUT
    for signed_in, state in [(False, "signed-out"), (True, "signed-in")]
    if not (signed_in and name == "signup")
]


@pytest.mark.parametrize(("path_of", "page_title", "signed_in"), AUTH_PAGES)
def test_pages_about_signing_in_show_the_site_name_not_the_host(
    client, user, path_of, page_title, signed_in
):
    if signed_in:
        client.force_login(user)
    response = client.get(path_of(user), HTTP_HOST=HOST, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert_named(html, page_title)
    # Their own centred card, signed in or not, rather than an empty signed-in page.
    assert '<main id="main" class="auth-main"' in html
    assert "<h1>" in html and 'id="sidebar"' not in html


def test_the_logged_out_page_shows_the_site_name_even_when_given_the_host(rf):
    # LogoutView renders it with site_name set to the current site: the host.
    request = rf.get("/accounts/logout/", HTTP_HOST=HOST)
    request.user = AnonymousUser()
    html = render_to_string("registration/logged_out.html", {"site_name": HOST}, request=request)
    assert_named(html, "Logged out")


def test_the_lockout_page_shows_the_site_name(user, settings):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(
            reverse("login"), {"username": user.username, "password": "wrong"}, HTTP_HOST=HOST
        )
    assert response.status_code == 429
    assert_named(response.content.decode(), "Too many failed sign-ins")


@pytest.mark.parametrize(
    ("url", "page_title"),
    [
        (reverse("dashboard:home"), "Dashboard"),
        (reverse("phones:manage"), "Phone number management"),
        (reverse("password_change"), "Change password"),
        (reverse("password_change_done"), "Password changed"),
    ],
)
def test_signed_in_pages_show_the_site_name(user_client, url, page_title):
    response = user_client.get(url, HTTP_HOST=HOST)
    assert_named(response.content.decode(), page_title)


def test_the_reset_email_is_signed_with_the_site_name(client, user, mailoutbox):
    client.post(reverse("password_reset"), {"email": user.email}, HTTP_HOST=HOST)
    [mail] = mailoutbox
    assert NAME in mail.subject and HOST not in mail.subject
    assert NAME in mail.body and HOST not in mail.body
