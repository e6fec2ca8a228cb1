"""Who may call the API: tokens (read-only, revoked), the session with CSRF, and that
nobody reaches another account's numbers or tests."""

import pytest
from django.test import Client

from api.models import AccessToken
from tests.factories import MessageFactory, PhoneNumberFactory

from .conftest import NUMBERS, TESTS, bearer

pytestmark = pytest.mark.django_db

# Every operation that changes something: (method, path of the number `{pk}`, JSON body).
WRITES = [
    ("post", NUMBERS, {"number": "+12065550109"}),
    ("patch", NUMBERS + "{pk}", {"label": "Work"}),
    ("delete", NUMBERS + "{pk}", None),
    ("post", NUMBERS + "{pk}/primary", None),
    ("post", NUMBERS + "{pk}/send-code", None),
    ("post", NUMBERS + "{pk}/verify", {"code": "123456"}),
    ("post", TESTS, {"phone_number": "{pk}", "message": "Hi"}),
]


def call(client, method, path, body=None, **headers):
    if body is None:
        return getattr(client, method)(path, **headers)
    return getattr(client, method)(path, body, content_type="application/json", **headers)


def fill(path, body, pk):
    body = body and {key: pk if value == "{pk}" else value for key, value in body.items()}
    return path.format(pk=pk), body


def test_without_credentials_the_api_answers_401_with_a_challenge(client):
    response = client.get(NUMBERS)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_refused(client):
    response = client.get(NUMBERS, **bearer("pb_not-a-token"))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_a_revoked_token_is_refused(client, user):
    access_token, secret = AccessToken.objects.create_for(user, name="Old")
    access_token.revoke()
    response = client.get(NUMBERS, **bearer(secret))
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


def test_a_token_of_a_deactivated_user_is_refused(client, user, token):
    user.is_active = False
    user.save()
    assert client.get(NUMBERS, **bearer(token)).status_code == 401


def test_a_read_only_token_reads(client, user):
    phone = PhoneNumberFactory(user=user)
    secret = AccessToken.objects.create_for(user, name="Monitor", read_only=True)[1]
    assert client.get(NUMBERS, **bearer(secret)).json()[0]["id"] == phone.pk
    assert client.get(TESTS, **bearer(secret)).status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_read_only_token_is_refused_on_every_write(client, user, method, path, body):
    phone = PhoneNumberFactory(user=user, verified=True)
    secret = AccessToken.objects.create_for(user, name="Monitor", read_only=True)[1]
    path, body = fill(path, body, phone.pk)
    response = call(client, method, path, body, **bearer(secret))
    assert response.status_code == 403
    assert response.json()["code"] == "read_only_token"
    phone.refresh_from_db()
    assert phone.label == ""


@pytest.mark.parametrize(
    ("method", "action", "body"),
    [
        ("get", "", None),
        ("patch", "", {"label": "Mine now"}),
        ("delete", "", None),
        ("post", "/primary", None),
        ("post", "/send-code", None),
        ("post", "/verify", {"code": "123456"}),
    ],
)
def test_another_accounts_number_is_not_found(api, other_user, method, action, body):
    theirs = PhoneNumberFactory(user=other_user, verified=True, label="Theirs")
    response = getattr(api, method)(f"{NUMBERS}{theirs.pk}{action}", *([body] if body else []))
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "Nothing of yours has that id.",
        "errors": [],
    }
    theirs.refresh_from_db()
    assert theirs.label == "Theirs"


def test_another_accounts_numbers_and_tests_are_not_listed(api, other_user):
    theirs = PhoneNumberFactory(user=other_user, verified=True)
    MessageFactory(user=other_user, phone=theirs)
    assert api.get(NUMBERS).json() == []
    assert api.get(TESTS).json()["results"] == []


def test_another_accounts_test_is_not_found(api, other_user):
    theirs = MessageFactory(user=other_user)
    response = api.get(f"{TESTS}{theirs.public_id}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_token_is_its_owners_whoever_is_signed_in(client, user, other_user, token):
    PhoneNumberFactory(user=user, number="+12065550101")
    client.force_login(other_user)
    listed = client.get(NUMBERS, **bearer(token)).json()
    assert [item["number"] for item in listed] == ["+12065550101"]


def test_the_session_reads_without_a_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(NUMBERS).status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_the_session_is_refused_every_write_without_the_csrf_token(user, method, path, body):
    phone = PhoneNumberFactory(user=user, verified=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    path, body = fill(path, body, phone.pk)
    response = call(client, method, path, body)
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_the_session_writes_with_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/accounts/tokens/")  # any page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        NUMBERS, {"number": "+12065550101"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 201


def test_a_token_needs_no_csrf_token(user, token):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        NUMBERS, {"number": "+12065550101"}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 201
