"""Account abuse: sign-in throttling (django-axes), per-IP limits on sign-up and password
reset, reset links from PUBLIC_BASE_URL, and first names that cannot smuggle control
characters into SMS."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from sms.segments import UNSAFE_CHARACTERS_ERROR
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
IP = "203.0.113.7"
OTHER_IP = "198.51.100.23"
LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")
SIGNUP = reverse("signup")
RESET = reverse("password_reset")
PASSWORD = "correct horse 42"
SIGNUP_REFUSAL = (
    "Too many accounts were created from your network in the last hour. Please try again later."
)
RESET_REFUSAL = (
    "Too many password resets were asked for from your network in the last hour. "
    "Please try again later."
)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def sign_in(username, password, ip=IP, url=LOGIN):
    data = {"username": username, "password": password}
    if url == ADMIN_LOGIN:
        data["next"] = reverse("admin:index")
    return Client(REMOTE_ADDR=ip).post(url, data)


def assert_locked_out(response):
    html = response.content.decode()
    assert response.status_code == 429
    assert "Too many failed sign-ins" in html
    assert "signing in is paused for 15 minutes from the last one" in html
    assert "_auth_user_id" not in response.wsgi_request.session


def assert_signed_in(response, to):
    assert response.status_code == 302, response.content.decode()[:500]
    assert response.url == to
    assert "_auth_user_id" in response.wsgi_request.session


# Sign-in throttling


def test_five_wrong_passwords_lock_the_username_even_against_the_right_one(user, clock):
    for _ in range(4):
        response = sign_in("alice", "wrong password")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    sign_in("alice", "wrong password")

    assert_locked_out(sign_in("alice", PASSWORD))

    clock.shift(timedelta(minutes=15, seconds=1))
    assert_signed_in(sign_in("alice", PASSWORD), reverse("dashboard:home"))


def test_tries_during_the_lockout_do_not_extend_it(user, clock):
    # AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off: retrying cannot keep someone
    # else's account locked; the pause runs from the last failure before it.
    for _ in range(5):
        sign_in("alice", "wrong password")
    clock.shift(timedelta(minutes=7))
    assert_locked_out(sign_in("alice", PASSWORD))
    assert_locked_out(sign_in("alice", "wrong again"))
    clock.shift(timedelta(minutes=8, seconds=1))
    assert_signed_in(sign_in("alice", PASSWORD), reverse("dashboard:home"))


def test_a_locked_username_stays_locked_from_any_address(user):
    for n in range(5):
        sign_in("alice", "wrong password", ip=f"192.0.2.{n + 1}")
    assert_locked_out(sign_in("alice", PASSWORD, ip=OTHER_IP))


def test_the_admin_login_is_throttled_the_same_way(clock):
    UserFactory(username="chief", is_staff=True, is_superuser=True)
    for _ in range(5):
        response = sign_in("chief", "wrong password", url=ADMIN_LOGIN)
    assert response.status_code in (200, 429)

    assert_locked_out(sign_in("chief", PASSWORD, url=ADMIN_LOGIN))

    clock.shift(timedelta(minutes=15, seconds=1))
    assert_signed_in(sign_in("chief", PASSWORD, url=ADMIN_LOGIN), reverse("admin:index"))


def test_one_address_is_locked_after_failures_across_usernames(user, clock):
    for n in range(5):
        sign_in(f"guess{n}", "wrong password")

    # The right password of an account nobody guessed at: refused from that address only.
    assert_locked_out(sign_in("alice", PASSWORD))
    assert_signed_in(sign_in("alice", PASSWORD, ip=OTHER_IP), reverse("dashboard:home"))

    clock.shift(timedelta(minutes=15, seconds=1))
    assert_signed_in(sign_in("alice", PASSWORD), reverse("dashboard:home"))


def test_behind_one_proxy_failures_from_other_clients_do_not_lock_a_client_out(user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}").post(
            LOGIN, {"username": f"guess{n}", "password": "wrong password"}
        )
    alice = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=OTHER_IP)
    response = alice.post(LOGIN, {"username": "alice", "password": PASSWORD})
    assert_signed_in(response, reverse("dashboard:home"))


def test_a_successful_sign_in_clears_the_earlier_failures(user):
    for _ in range(4):
        sign_in("alice", "wrong password")
    assert_signed_in(sign_in("alice", PASSWORD), reverse("dashboard:home"))
    for _ in range(4):
        sign_in("alice", "wrong password")
    assert_signed_in(sign_in("alice", PASSWORD), reverse("dashboard:home"))


def test_the_lockout_page_names_no_account(user):
    for _ in range(5):
        sign_in("alice", "wrong password")
    html = sign_in("alice", PASSWORD).content.decode()
    assert "alice" not in html and "alice@example.com" not in html
    assert f'href="{RESET}"' in html  # the way out: reset the password by email


# Sign-up limited per IP


def sign_up(username, ip=IP, **fields):
    data = {
        "username": username,
        "email": f"{username}@example.com",
        "first_name": "Carol",
        "password1": "a long passphrase 77",
        "password2": "a long passphrase 77",
    } | fields
    return Client(REMOTE_ADDR=ip).post(SIGNUP, data)


def test_the_sixth_sign_up_from_one_address_in_an_hour_creates_no_account():
    for n in range(5):
        assert_signed_in(sign_up(f"carol{n}"), reverse("dashboard:home"))

    response = sign_up("carol5")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [SIGNUP_REFUSAL]
    assert not get_user_model().objects.filter(username="carol5").exists()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_the_sixth_sign_up_from_one_address_says_why_it_was_refused():
    for n in range(5):
        sign_up(f"carol{n}")
    assert SIGNUP_REFUSAL in sign_up("carol5").content.decode()


def test_sign_ups_from_another_address_are_not_limited():
    for n in range(5):
        sign_up(f"carol{n}")
    assert_signed_in(sign_up("dave", ip=OTHER_IP), reverse("dashboard:home"))


def test_the_sign_up_limit_frees_after_an_hour(clock, settings):
    assert settings.SIGNUPS_PER_IP_PER_HOUR == 5
    for n in range(5):
        sign_up(f"carol{n}")
        clock.shift(timedelta(minutes=1))
    assert sign_up("late").status_code == 200

    clock.shift(timedelta(minutes=55))  # 13:00: the first sign-up, at 12:00, is an hour old
    assert_signed_in(sign_up("late"), reverse("dashboard:home"))
    assert sign_up("later").status_code == 200  # the second still counts


def test_an_invalid_sign_up_does_not_count(settings):
    settings.SIGNUPS_PER_IP_PER_HOUR = 1
    assert sign_up("eve", password2="something else 88").status_code == 200
    assert_signed_in(sign_up("eve"), reverse("dashboard:home"))


# Password reset


def reset_link(mail):
    match = re.search(r"(\S+://\S+/accounts/reset/\S+/)", mail.body)
    assert match, mail.body
    return match.group(1)


@pytest.mark.parametrize("host", ["testserver:6666", "admin.sms.example.test"])
def test_the_reset_link_is_built_from_the_public_base_url_whatever_the_host(
    host, settings, user, mailoutbox
):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "admin.sms.example.test"]
    response = Client(REMOTE_ADDR=IP).post(RESET, {"email": user.email}, HTTP_HOST=host)
    assert response.status_code == 302

    [mail] = mailoutbox
    link = reset_link(mail)
    assert link.startswith("https://sms.example.test/accounts/reset/")
    assert "testserver" not in mail.body and "6666" not in mail.body
    assert host not in mail.body
    # The link works: it opens the page to choose a new password.
    opened = Client().get(link.removeprefix("https://sms.example.test"))
    assert opened.status_code == 302 and opened.url.endswith("/set-password/")


def test_reset_requests_are_limited_per_address_and_send_no_mail_over_the_limit(
    user, mailoutbox, settings
):
    assert settings.PASSWORD_RESETS_PER_IP_PER_HOUR == 5
    for _ in range(5):
        response = Client(REMOTE_ADDR=IP).post(RESET, {"email": user.email})
        assert response.status_code == 302
    assert len(mailoutbox) == 5

    refused = Client(REMOTE_ADDR=IP).post(RESET, {"email": user.email})

    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors() == [RESET_REFUSAL]
    assert len(mailoutbox) == 5


def test_a_refused_reset_request_says_why(user):
    for _ in range(5):
        Client(REMOTE_ADDR=IP).post(RESET, {"email": user.email})
    assert (
        RESET_REFUSAL in Client(REMOTE_ADDR=IP).post(RESET, {"email": user.email}).content.decode()
    )


def test_reset_requests_from_another_address_or_an_hour_later_are_not_limited(
    user, mailoutbox, clock
):
    for _ in range(6):
        Client(REMOTE_ADDR=IP).post(RESET, {"email": user.email})
    assert len(mailoutbox) == 5

    Client(REMOTE_ADDR=OTHER_IP).post(RESET, {"email": user.email})
    assert len(mailoutbox) == 6

    clock.shift(timedelta(hours=1, seconds=1))
    assert Client(REMOTE_ADDR=IP).post(RESET, {"email": user.email}).status_code == 302
    assert len(mailoutbox) == 7


# First names go into SMS through {first_name}


@pytest.mark.parametrize(
    "first_name",
    ["Ev\x1be", "Ev\x07e", "Eve\u202e", "\u2066Eve\u2069", "Ev\x1b[31me"],
    ids=["escape", "bell", "right-to-left-override", "isolate", "ansi-colour"],
)
def test_sign_up_refuses_a_first_name_with_control_characters(first_name):
    response = sign_up("mallory", first_name=first_name)

    assert response.status_code == 200
    assert response.context["form"].errors["first_name"] == [UNSAFE_CHARACTERS_ERROR]
    assert UNSAFE_CHARACTERS_ERROR in response.content.decode()
    assert not get_user_model().objects.filter(username="mallory").exists()


@pytest.mark.parametrize(
    "first_name", ["Zoë", "José", "Łukasz", "Nguyễn", "Søren", "李小龍", "Ὀδυσσεύς", "محمد", "Ана"]
)
def test_sign_up_accepts_accented_and_non_latin_first_names(first_name):
    assert_signed_in(sign_up("newcomer", first_name=first_name), reverse("dashboard:home"))
    assert get_user_model().objects.get(username="newcomer").first_name == first_name
