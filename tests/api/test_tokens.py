"""Personal access tokens: made, shown once, stored hashed, listed, revoked."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client

from api.models import AccessToken
from tests.factories import UserFactory

from .conftest import NUMBERS, bearer

pytestmark = pytest.mark.django_db
PAGE = "/accounts/tokens/"


def shown_token(response):
    return re.search(r'id="new-token">(pb_[\w-]+)<', response.content.decode()).group(1)


def test_only_the_sha256_and_a_short_prefix_are_stored(user):
    access_token, secret = AccessToken.objects.create_for(user, name="CI")
    assert len(secret) > 40
    assert access_token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert access_token.prefix == secret[:11]
    stored = AccessToken.objects.filter(pk=access_token.pk).values().get()
    assert secret not in {str(value) for value in stored.values()}


def test_two_tokens_are_never_the_same(user):
    tokens = {AccessToken.objects.create_for(user, name="CI")[1] for _ in range(20)}
    assert len(tokens) == 20


def test_the_page_needs_a_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_is_linked_from_the_sidebar(user_client):
    assert f'href="{PAGE}"' in user_client.get("/dashboard/").content.decode()


def test_a_token_is_made_and_shown_once_and_then_works(user_client, user, client):
    response = user_client.post(PAGE, {"name": "Deploy pipeline"})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    secret = shown_token(response)
    assert "Deploy pipeline" in response.content.decode()
    again = user_client.get(PAGE).content.decode()
    assert secret not in again
    assert secret[:11] in again
    assert Client().get(NUMBERS, **bearer(secret)).status_code == 200


def test_a_token_needs_a_name(user_client, user):
    response = user_client.post(PAGE, {"name": ""})
    assert "Give the token a name." in response.content.decode()
    assert not AccessToken.objects.exists()


def test_a_read_only_token_is_labelled_on_the_page(user_client):
    response = user_client.post(PAGE, {"name": "Monitor", "read_only": "on"})
    assert AccessToken.objects.get().read_only
    assert "Read-only: it cannot change anything or send SMS." in response.content.decode()


def test_the_page_lists_only_the_users_tokens(user_client, user):
    AccessToken.objects.create_for(user, name="Mine")
    AccessToken.objects.create_for(UserFactory(), name="Someone else's")
    page = user_client.get(PAGE).content.decode()
    assert "Mine" in page
    assert "Someone else" not in page


def test_revoking_stops_the_token_and_the_page_says_so(user_client, user):
    access_token, secret = AccessToken.objects.create_for(user, name="CI")
    response = user_client.post(f"{PAGE}{access_token.pk}/revoke/", follow=True)
    assert "Revoked “CI”. It no longer works." in response.content.decode()
    assert Client().get(NUMBERS, **bearer(secret)).status_code == 401


def test_another_users_token_cannot_be_revoked(user_client):
    theirs, _ = AccessToken.objects.create_for(UserFactory(), name="Theirs")
    assert user_client.post(f"{PAGE}{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_revoked


def test_the_page_forms_need_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(PAGE, {"name": "CI"}).status_code == 403


def test_last_use_is_shown_and_written_at_most_once_a_minute(client, user, clock):
    access_token, secret = AccessToken.objects.create_for(user, name="CI")
    client.get(NUMBERS, **bearer(secret))
    access_token.refresh_from_db()
    first = access_token.last_used_at
    assert first is not None
    clock.shift(timedelta(seconds=30))
    client.get(NUMBERS, **bearer(secret))
    access_token.refresh_from_db()
    assert access_token.last_used_at == first
    clock.shift(timedelta(seconds=31))
    client.get(NUMBERS, **bearer(secret))
    access_token.refresh_from_db()
    assert access_token.last_used_at == first + timedelta(seconds=61)


def test_a_request_within_the_minute_writes_nothing(client, user, django_assert_num_queries):
    secret = AccessToken.objects.create_for(user, name="CI")[1]
    client.get(NUMBERS, **bearer(secret))
    with django_assert_num_queries(2):  # the token with its user, the numbers
        client.get(NUMBERS, **bearer(secret))


def test_staff_see_tokens_in_the_admin_without_their_secret(admin_client, user):
    access_token, secret = AccessToken.objects.create_for(user, name="CI")
    listing = admin_client.get("/admin/api/accesstoken/")
    assert "CI" in listing.content.decode()
    change = admin_client.get(f"/admin/api/accesstoken/{access_token.pk}/change/").content.decode()
    assert access_token.token_hash not in change
    assert secret not in change
    assert admin_client.get("/admin/api/accesstoken/add/").status_code == 403


def test_staff_can_revoke_tokens_in_the_admin(admin_client, user):
    access_token, _ = AccessToken.objects.create_for(user, name="CI")
    admin_client.post(
        "/admin/api/accesstoken/",
        {"action": "revoke", "_selected_action": [access_token.pk]},
    )
    access_token.refresh_from_db()
    assert access_token.is_revoked
