"""Schemathesis against the API's own OpenAPI description: for every operation, generated
requests (valid ones, and invalid ones) signed with a seeded user's token never get a 5xx,
and every answer matches the status codes, content type and schema the description gives.

Lean on purpose (a few dozen requests per operation); a failure prints the request that
reproduces it.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.api import api
from api.models import AccessToken
from smstest.models import MessageTemplate
from tests.factories import MessageFactory, PhoneNumberFactory, UserFactory

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def seeded(db):
    """A user with a verified primary number, a pending one, a test message and a token."""
    user = UserFactory()
    verified = PhoneNumberFactory(user=user, primary=True)
    pending = PhoneNumberFactory(user=user)
    message = MessageFactory(user=user, phone=verified, status="delivered")
    MessageTemplate.objects.get_or_create(name="Hello", defaults={"body": "Hello {first_name}"})
    secret = AccessToken.objects.create_for(user, name="Schemathesis")[1]
    return {"phones": [verified, pending], "message": message, "token": secret}


@pytest.fixture
def same_connection():
    """The app runs in this thread on the test's transaction: it must not close the
    database connection at the end of each request (as Django's test client arranges)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def aim_at_seeded_rows(case, seeded):
    """Random ids mostly name nothing (404); half of them are turned into the seeded rows,
    so the answers for real numbers and tests are checked too."""
    parameters = case.path_parameters or {}
    if isinstance(parameters.get("phone_id"), int) and parameters["phone_id"] % 2:
        parameters["phone_id"] = seeded["phones"][parameters["phone_id"] % 4 // 2].pk
    if "test_id" in parameters and str(parameters["test_id"])[-1] in "02468ace":
        parameters["test_id"] = str(seeded["message"].public_id)


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_to_its_description(case, seeded, same_connection):
    aim_at_seeded_rows(case, seeded)
    # The token signs every request. A generated session cookie would only test Django's
    # session lookup with values (a NUL byte…) that no HTTP server lets through.
    case.cookies.clear()
    case.call_and_validate(headers={"Authorization": f"Bearer {seeded['token']}"}, checks=CHECKS)
