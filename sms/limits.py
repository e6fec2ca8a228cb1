"""Sliding-window limits counted from stored rows, so they hold across processes."""

import math

from django.db import models
from django.utils import timezone


def limit_reached_until(times, limit, window, now):
    """When one more event is allowed, if `limit` of the events at `times` (datetimes, any
    order) fall within `window` (a timedelta) before `now`; None if one more fits now.

    The oldest of the last `limit` events leaves the window first. A limit of 0 allows
    nothing: the answer is then always a window from now.
    """
    if limit <= 0:
        return now + window
    recent = sorted((time for time in times if time > now - window), reverse=True)[:limit]
    if len(recent) < limit:
        return None
    return recent[-1] + window


class WindowedQuerySet(models.QuerySet):
    """For rows with a `created_at`: how many fall in a window, and when one more fits."""

    def limit_reached_until(self, limit, window, now=None):
        """limit_reached_until() over these rows' `created_at`, reading at most `limit` of
        them from the database."""
        now = now or timezone.now()
        times = []
        if limit > 0:
            recent = self.filter(created_at__gt=now - window).order_by("-created_at")
            times = list(recent.values_list("created_at", flat=True)[:limit])
        return limit_reached_until(times, limit, window, now)

    def wait_seconds(self, limit, window, now=None):
        """Whole seconds (rounded up) until one more row fits the limit; 0: now."""
        now = now or timezone.now()
        until = self.limit_reached_until(limit, window, now)
        return math.ceil((until - now).total_seconds()) if until else 0
