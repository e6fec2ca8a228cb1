"""Paths and methods no endpoint takes: a JSON 404 or 405 like every other error of the API,
never Django's HTML pages, a redirect (APPEND_SLASH) or a 500."""

import pytest
from django.test import Client

from tests.factories import PhoneNumberFactory

from .conftest import API, NUMBERS, TESTS, bearer

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def append_slash(request, settings):
    """APPEND_SLASH on, as in production, with DEBUG on (where CommonMiddleware raises a
    RuntimeError for a POST it would redirect) and off (where it would redirect)."""
    settings.APPEND_SLASH = True
    settings.DEBUG = request.param


def json_error(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    return body


@pytest.mark.parametrize(
    ("method", "path", "endpoint"),
    [
        ("post", f"{API}/users/me/phone-numbers", NUMBERS),
        ("post", f"{API}/sms/test", TESTS),
        ("get", f"{API}/users/me/phone-numbers", NUMBERS),
        ("get", f"{NUMBERS}1/", f"{NUMBERS}1"),
        ("post", f"{NUMBERS}1/send-code/", f"{NUMBERS}1/send-code"),
        ("get", f"{TESTS}templates/", f"{TESTS}templates"),
    ],
)
def test_a_path_off_by_its_trailing_slash_is_a_json_404_naming_the_endpoint(
    client, token, append_slash, method, path, endpoint
):
    response = getattr(client, method)(path, {}, content_type="application/json", **bearer(token))
    assert response.status_code == 404
    assert json_error(response) == {
        "code": "not_found",
        "message": f"No endpoint at {path}: did you mean {endpoint}?",
        "errors": [],
    }


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize("path", [f"{API}/", f"{API}/nothing/here", f"{API}/users/me"])
def test_a_path_that_is_no_endpoint_is_a_json_404_for_any_method(
    client, token, append_slash, method, path
):
    response = getattr(client, method)(path, **bearer(token))
    assert response.status_code == 404
    assert json_error(response) == {
        "code": "not_found",
        "message": f"No endpoint at {path}.",
        "errors": [],
    }


def test_a_head_request_to_a_path_that_is_no_endpoint_is_a_404_too(client, token, append_slash):
    response = client.head(f"{API}/sms/test", **bearer(token))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_a_session_post_to_no_endpoint_is_a_404_not_a_csrf_page(user, append_slash):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.post(f"{API}/sms/test", {}, content_type="application/json")
    assert response.status_code == 404
    assert json_error(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", f"{NUMBERS}{{pk}}", "DELETE, GET, PATCH"),
        ("post", f"{NUMBERS}{{pk}}", "DELETE, GET, PATCH"),
        ("delete", NUMBERS, "GET, POST"),
        ("options", NUMBERS, "GET, POST"),
        ("get", f"{NUMBERS}{{pk}}/send-code", "POST"),
        ("patch", TESTS, "GET, POST"),
        ("delete", f"{TESTS}templates", "GET"),
    ],
)
def test_a_method_the_endpoint_does_not_take_is_a_json_405_with_allow(
    api, client, token, user, method, path, allowed
):
    path = path.format(pk=PhoneNumberFactory(user=user).pk)
    response = getattr(client, method)(path, **bearer(token))
    assert response.status_code == 405
    assert response["Allow"] == allowed
    methods = allowed.split(", ")
    use = " or ".join(filter(None, [", ".join(methods[:-1]), methods[-1]]))
    assert json_error(response) == {
        "code": "method_not_allowed",
        "message": f"{method.upper()} is not allowed on {path}: use {use}.",
        "errors": [],
    }


def test_head_is_not_served_it_is_a_405_pointing_to_get(client, token):
    response = client.head(NUMBERS, **bearer(token))
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_a_pages_own_405_stays_the_pages(user_client, user):
    phone = PhoneNumberFactory(user=user)
    response = user_client.get(f"/dashboard/phone-management/{phone.pk}/send-code/")
    assert response.status_code == 405
    assert not response["Content-Type"].startswith("application/json")
