"""The JSON API, `/api/v1/`: its description at /api/v1/openapi.json, docs at /api/v1/docs."""

from django.urls import Resolver404, path, re_path, resolve
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.parser import Parser

from . import errors, phones, smstest
from .auth import SessionAuth, TokenAuth

DESCRIPTION = """\
Manage your phone numbers and send test SMS, with the same rules, limits and sentences as
the pages. Authenticate with a personal access token (`Authorization: Bearer <token>`;
create one on the API tokens page, /accounts/tokens/) or, from the browser, with your
session and its CSRF token. Walkthrough: docs/api.md.

Errors are `{"code", "message", "errors": [{"field", "code", "message"}]}`: 400 for a body
that is not a JSON object, 401 without valid credentials, 403 for a read-only token asked
to change something (or a failed CSRF check), 404 for anything not yours (and for a path
that is no endpoint: paths are taken exactly, slash included, and never redirected), 405
for a method the endpoint does not take (its `Allow` header lists those it does), 409 for
an action the thing's state does not allow, 422 for invalid input, 429 with `Retry-After`
(seconds) for every limit.
"""


class ObjectParser(Parser):
    """Reads a request body as django-ninja does, and refuses JSON that is not an object:
    every body of the API is one, and an optional one (send-code's) must not take `"x"` or
    `null` for "no body". django-ninja answers the refusal as any unreadable body: 400."""

    def parse_body(self, request):
        """The body's JSON object (a dict); raises ValueError for any other JSON value."""
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError(f"the body must be a JSON object, not {type(data).__name__}")
        return data


class PhonebookAPI(NinjaAPI):
    """A NinjaAPI whose URLs answer every other path under its prefix too, with a JSON 404.

    So no path under /api/v1/ reaches Django's HTML 404, nor CommonMiddleware's
    APPEND_SLASH: that answers a POST without its trailing slash with a 500 under DEBUG
    (it cannot redirect a body) and a redirect that loses the body otherwise, and it only
    steps in for a path that matches no URL pattern.
    """

    @property
    def urls(self):
        """django-ninja's (patterns, app name, namespace), the patterns between two
        catch-alls: the API's root first (django-ninja's own root, last, only serves to
        reverse the API's prefix and answers an HTML 404), any other path last."""
        patterns, app_name, namespace = super().urls
        unmatched = csrf_exempt(self.no_endpoint)
        return [path("", unmatched), *patterns, re_path("", unmatched)], app_name, namespace

    def no_endpoint(self, request, *args, **kwargs):
        """The JSON 404 for a path that is no endpoint, whatever the method; it names the
        endpoint that the same path with or without one trailing slash is, if any."""
        message = f"No endpoint at {request.path}."
        if self.is_endpoint(toggle_slash(request.path_info)):
            message = f"No endpoint at {request.path}: did you mean {toggle_slash(request.path)}?"
        return errors.error_response(self, request, errors.ApiError(404, "not_found", message))

    def is_endpoint(self, path_info):
        """Whether `path_info` is one of this API's own paths (not a catch-all)."""
        try:
            match = resolve(path_info)
        except Resolver404:
            return False
        return self.urls_namespace in match.namespaces and match.url_name is not None


def toggle_slash(url_path):
    """`url_path` with its trailing slash taken off, or with one added."""
    return url_path[:-1] if url_path.endswith("/") else f"{url_path}/"


api = PhonebookAPI(
    title="Phonebook API",
    version="1",
    description=DESCRIPTION,
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api-v1",
    parser=ObjectParser(),
    # The swagger-ui page of django-ninja: our static files, no inline script (CSP), and
    # no call to swagger.io's online validator.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("/users/me/phone-numbers/", phones.router)
api.add_router("/sms/test/", smstest.router)
