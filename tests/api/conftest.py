import pytest

from api.models import AccessToken
from tests.phones.conftest import clock, send_code, sent_code  # noqa: F401 (fixtures)

API = "/api/v1"
NUMBERS = f"{API}/users/me/phone-numbers/"
TESTS = f"{API}/sms/test/"


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def token(user):
    """A read-and-write token of `user` (the secret)."""
    return AccessToken.objects.create_for(user, name="Script")[1]


@pytest.fixture
def api(client, token):
    """The test client with `user`'s token on every request: api.get(path), api.post(path,
    json)…; the answers are Django test responses."""

    class Api:
        def get(self, path, **params):
            return client.get(path, params, **bearer(token))

        def post(self, path, data=None):
            return client.post(path, data or {}, content_type="application/json", **bearer(token))

        def patch(self, path, data):
            return client.patch(path, data, content_type="application/json", **bearer(token))

        def delete(self, path):
            return client.delete(path, **bearer(token))

    return Api()
