"""Every refusal the API gives, as JSON, in one place.

An error answer is `{"code": ..., "message": ..., "errors": [{"field", "code", "message"}]}`:
`code` is stable (scripts branch on it), `message` is the sentence the pages show for the
same refusal, and `errors` lists what is wrong with each input field (`field` null for the
request as a whole). The statuses:

| status | when |
| --- | --- |
| 400 | the body is not a JSON object (`malformed_request`) |
| 401 | no valid credentials (`not_authenticated`, `invalid_token`, `token_revoked`) |
| 403 | a read-only token asked for a change, or a session request failed CSRF |
| 404 | nothing of yours has that id (another account's looks the same), or no such path |
| 405 | the endpoint does not take the method (`method_not_allowed`; see `Allow`) |
| 409 | the action does not fit the thing's state (primary needs a verified number…) |
| 422 | the input is wrong: a field's type or bounds, or refused by the page's own form |
| 429 | a limit that time lifts; `Retry-After` says how many seconds to wait |
"""

import logging
import math

from django.http import Http404
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ConfigDict

from phones.models import (
    AlreadyVerified,
    CannotAddNumber,
    CodeAttemptsExhausted,
    CodeBudgetReached,
    CodeExpired,
    CodeNeedsRenewal,
    CodeQuotaReached,
    NoCodeSent,
    NotVerified,
    NumberBusy,
    ResendTooSoon,
    SendingTurnedOff,
    TooManyWrongCodes,
    WrongCode,
)
from sms import budgets

logger = logging.getLogger(__name__)

# NumberBusy says "Please try again in a few minutes" and, on purpose, nothing more: the
# real wait depends on other accounts' codes to that phone. Retry-After says the same.
NUMBER_BUSY_RETRY_AFTER = 5 * 60


class FieldError(Schema):
    field: str | None
    code: str
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[FieldError] = []

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "resend_too_soon",
                    "message": "A code was just sent. You can request another in 42 seconds.",
                    "errors": [],
                },
                {
                    "code": "invalid",
                    "message": "Use digits only: a phone number has no letters.",
                    "errors": [
                        {
                            "field": "number",
                            "code": "invalid",
                            "message": "Use digits only: a phone number has no letters.",
                        }
                    ],
                },
            ]
        }
    )


class ApiError(Exception):
    """An error answer: HTTP `status`, a stable `code`, the human `message`, per-field
    `errors` (FieldError dicts) and, for a 429, `retry_after` (whole seconds)."""

    def __init__(self, status, code, message, *, errors=(), retry_after=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = list(errors)
        self.retry_after = retry_after


# The phones app's refusals: (class, code, status, the input field it is about). The first
# class the refusal is an instance of wins: subclasses come before their bases.
REFUSALS = [
    (ResendTooSoon, "resend_too_soon", 429, None),
    (CodeQuotaReached, "code_quota_reached", 429, None),
    (TooManyWrongCodes, "too_many_wrong_codes", 429, None),
    (NumberBusy, "number_busy", 429, None),
    (CodeBudgetReached, "budget_reached", 429, None),
    (AlreadyVerified, "already_verified", 409, None),
    (SendingTurnedOff, "sending_turned_off", 409, None),
    (NotVerified, "not_verified", 409, None),
    (CannotAddNumber, "cannot_add_number", 422, "number"),
    # The page shows these next to the code field.
    (WrongCode, "wrong_code", 422, "code"),
    (CodeExpired, "code_expired", 422, "code"),
    (CodeAttemptsExhausted, "code_attempts_exhausted", 422, "code"),
    (NoCodeSent, "no_code_sent", 422, "code"),
    (CodeNeedsRenewal, "code_needs_renewal", 422, "code"),
]


def refused(refusal):
    """The ApiError for `refusal` (a phones.models.PhoneError), with its own sentence."""
    code, status, field = next(
        (code, status, field) for kind, code, status, field in REFUSALS if isinstance(refusal, kind)
    )
    if status == 429:
        wait = refusal.wait_seconds if refusal.retry_at else NUMBER_BUSY_RETRY_AFTER
        return ApiError(429, code, refusal.message, retry_after=wait)
    errors = [{"field": field, "code": code, "message": refusal.message}] if field else []
    return ApiError(status, code, refusal.message, errors=errors)


# The codes of REFUSALS a form's error may carry (AddPhoneForm codes its CannotAddNumber):
# such an error is answered with its own code and status, as the refusal itself would be.
# The limits (429) are not among them: a form's quota or budget error is answered below.
FORM_REFUSALS = {code: status for _, code, status, _ in REFUSALS if status != 429}


def invalid_form(form, fields=None):
    """The ApiError for a bound Django form that did not validate: 422 with every error,
    or 429 when the smstest form refused a send over a quota or a budget.

    The top-level code is "invalid", or the first error's own code when it is one of the
    phones app's refusals (FORM_REFUSALS: "cannot_add_number"), with that refusal's status.

    `fields` renames form fields to the API's names ({"body": "message"}); a non-field
    error has field None. Errors without a code of their own get "invalid".
    """
    fields = fields or {}
    errors = [
        {
            "field": None if name == "__all__" else fields.get(name, name),
            "code": error.code or "invalid",
            "message": message,
        }
        for name, field_errors in form.errors.as_data().items()
        for error in field_errors
        for message in error.messages
    ]
    codes = {error["code"] for error in errors}
    if "quota" in codes:
        message = next(e["message"] for e in errors if e["code"] == "quota")
        return ApiError(429, "test_quota_reached", message, retry_after=form.limits.wait_seconds)
    if "budget" in codes:
        message = next(e["message"] for e in errors if e["code"] == "budget")
        return ApiError(
            429,
            "budget_reached",
            message,
            retry_after=int(budgets.WINDOW.total_seconds()),
        )
    first = errors[0]
    if first["code"] in FORM_REFUSALS:
        return ApiError(
            FORM_REFUSALS[first["code"]], first["code"], first["message"], errors=errors
        )
    return ApiError(422, "invalid", first["message"], errors=errors)


def error_response(api, request, error):
    """The HttpResponse of `api` (a NinjaAPI) for `error` (an ApiError): its JSON body,
    with Retry-After for a limit and the Bearer challenge for a 401."""
    body = {"code": error.code, "message": error.message, "errors": error.errors}
    response = api.create_response(request, body, status=error.status)
    if error.retry_after is not None:
        response["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def install(api):
    """Make `api` (a NinjaAPI) answer every error with an ErrorOut, never with HTML."""

    def answer(request, error):
        return error_response(api, request, error)

    def invalid_input(request, exc):
        errors = [
            {
                "field": field_name(error.get("loc", ())),
                "code": error["type"],
                "message": error["msg"],
            }
            for error in exc.errors
        ]
        message = errors[0]["message"] if errors else "The request is not valid."
        return answer(request, ApiError(422, "invalid", message, errors=errors))

    def not_authenticated(request, exc):
        return answer(
            request,
            ApiError(
                401,
                "not_authenticated",
                "Sign in, or send a personal access token: Authorization: Bearer <token>.",
            ),
        )

    def malformed(request, exc):
        # django-ninja's one HttpError of its own: a body it could not parse (the API's
        # parser also refuses JSON that is not an object, api.api.ObjectParser).
        return answer(request, ApiError(exc.status_code, "malformed_request", exc.message))

    def not_found(request, exc):
        return answer(request, ApiError(404, "not_found", "Nothing of yours has that id."))

    def server_error(request, exc):
        logger.exception("API request failed: %s %s", request.method, request.path)
        return answer(request, ApiError(500, "server_error", "Something went wrong on our side."))

    api.add_exception_handler(ApiError, answer)
    api.add_exception_handler(NinjaValidationError, invalid_input)
    api.add_exception_handler(HttpError, malformed)
    api.add_exception_handler(AuthenticationError, not_authenticated)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(Exception, server_error)


def field_name(location):
    """The input field a pydantic error location names: ("body", "payload", "label") is
    "label", ("query", "page") is "page"; None for the body as a whole."""
    parts = [str(part) for part in location[1:]]
    if location and location[0] == "body":
        parts = parts[1:]  # the body's parameter name: the body is one object
    return ".".join(parts) or None
