"""Personal access tokens for the JSON API (`Authorization: Bearer <token>`).

A token is 256 random bits, shown once when it is made. Only its SHA-256 is stored: a
random secret that long needs no slow, salted hash (a slow hash defends guessable
passwords), and a plain digest can be looked up with one indexed query. A few leading
characters are kept in clear so people can tell their tokens apart.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

TOKEN_PREFIX = "pb_"
# "pb_" and the first 8 random characters: enough to recognise a token, useless to guess it.
DISPLAY_LENGTH = len(TOKEN_PREFIX) + 8
# last_used_at is written at most this often per token: not a database write per request.
LAST_USED_PRECISION = timedelta(minutes=1)


def digest(token):
    """The SHA-256 of `token` (str), in hex: what is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


class AccessTokenQuerySet(models.QuerySet):
    def create_for(self, user, *, name, read_only=False):
        """Make a token for `user`; returns (AccessToken, the secret token str). The secret
        is not stored: this is the only time it is known."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        access_token = self.create(
            user=user,
            name=name,
            read_only=read_only,
            prefix=token[:DISPLAY_LENGTH],
            token_hash=digest(token),
        )
        return access_token, token

    def find(self, token):
        """The AccessToken whose secret is `token` (str), revoked or not, with its user; None
        if there is none (or the user is inactive)."""
        return (
            self.select_related("user")
            .filter(token_hash=digest(token), user__is_active=True)
            .first()
        )

    def active(self):
        return self.filter(revoked_at__isnull=True)


class AccessToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(max_length=60)
    prefix = models.CharField(max_length=DISPLAY_LENGTH, editable=False)
    token_hash = models.CharField("SHA-256 of the token", max_length=64, unique=True)
    read_only = models.BooleanField(
        default=False, help_text="Read-only tokens are refused on any change."
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    def revoke(self):
        """Stop the token working from now on (a no-op if it already was revoked)."""
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def note_use(self, now=None):
        """Record that the token was just used, at most once per LAST_USED_PRECISION.

        A conditional UPDATE, so concurrent requests with the same token write it once.
        """
        now = now or timezone.now()
        stale = now - LAST_USED_PRECISION
        if self.last_used_at is not None and self.last_used_at > stale:
            return
        AccessToken.objects.filter(pk=self.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale)
        ).update(last_used_at=now)
        self.last_used_at = now
