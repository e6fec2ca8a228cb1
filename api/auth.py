"""Who is calling the API: a personal access token, or the browser's session.

Tokens come first (`Authorization: Bearer <token>`); without that header the session's
signed-in user is believed, with Django's CSRF check on unsafe methods, as on every page.
"""

from django.conf import settings
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from .errors import ApiError
from .models import AccessToken

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        """The token's user (a User); raises ApiError 401 for an unknown or revoked token,
        403 for a read-only token on an unsafe method. Notes when the token was used."""
        access_token = AccessToken.objects.find(token)
        if access_token is None:
            raise ApiError(401, "invalid_token", "This token is not valid.")
        if access_token.is_revoked:
            raise ApiError(
                401, "token_revoked", "This token was revoked. Create a new one to use the API."
            )
        if access_token.read_only and request.method not in SAFE_METHODS:
            raise ApiError(
                403, "read_only_token", "This token is read-only: it cannot change anything."
            )
        access_token.note_use()
        request.access_token = access_token
        return access_token.user


class SessionAuth(APIKeyCookie):
    """The signed-in user of the session cookie. `csrf` stays true so the interactive
    docs send the CSRF header; the check itself runs only for a signed-in session, so a
    caller with neither cookie nor token is told to authenticate, not that CSRF failed."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        """The session's user, or None; raises ApiError 403 when CSRF fails."""
        if not request.user.is_authenticated:
            return None
        if check_csrf(request):
            raise ApiError(
                403,
                "csrf_failed",
                "CSRF check failed: send the csrftoken cookie's value in an X-CSRFToken "
                "header, or use a personal access token.",
            )
        return request.user
