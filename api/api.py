"""The JSON API, `/api/v1/`: its description at /api/v1/openapi.json, docs at /api/v1/docs."""

from ninja import NinjaAPI, Swagger

from . import errors, phones, smstest
from .auth import SessionAuth, TokenAuth

DESCRIPTION = """\
Manage your phone numbers and send test SMS, with the same rules, limits and sentences as
the pages. Authenticate with a personal access token (`Authorization: Bearer <token>`;
create one on the API tokens page, /accounts/tokens/) or, from the browser, with your
session and its CSRF token. Walkthrough: docs/api.md.

Errors are `{"code", "message", "errors": [{"field", "code", "message"}]}`: 400 for a body
that is not JSON, 401 without valid credentials, 403 for a read-only token asked to change
something (or a failed CSRF check), 404 for anything not yours, 409 for an action the
thing's state does not allow, 422 for invalid input, 429 with `Retry-After` (seconds) for
every limit.
"""

api = NinjaAPI(
    title="Phonebook API",
    version="1",
    description=DESCRIPTION,
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api-v1",
    # The swagger-ui page of django-ninja: our static files, no inline script (CSP), and
    # no call to swagger.io's online validator.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("/users/me/phone-numbers/", phones.router)
api.add_router("/sms/test/", smstest.router)
