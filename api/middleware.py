"""The API's answer to a method an endpoint does not take, as JSON like its other errors."""

from django.http import HttpResponseNotAllowed

from .api import api
from .errors import ApiError, error_response


class MethodNotAllowedMiddleware:
    """Turns django-ninja's plain-text 405 of an API endpoint into the API's JSON error
    (`method_not_allowed`), keeping its Allow header. django-ninja answers the 405 itself,
    before any exception handler or hook of the API runs; other pages' answers pass as
    they are."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = request.resolver_match
        if not (
            isinstance(response, HttpResponseNotAllowed)
            and match is not None
            and api.urls_namespace in match.namespaces
        ):
            return response
        allowed = sorted(method.strip() for method in response["Allow"].split(","))
        error = ApiError(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed on {request.path}: use {either(allowed)}.",
        )
        answer = error_response(api, request, error)
        answer["Allow"] = ", ".join(allowed)
        return answer


def either(words):
    """'GET', 'GET or POST', 'DELETE, GET or PATCH'."""
    return " or ".join(filter(None, [", ".join(words[:-1]), words[-1]]))
