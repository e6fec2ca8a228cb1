"""Sliding-window limits counted from stored rows, so they hold across processes."""

import math

from django.db import models
from django.utils import timezone


class WindowedQuerySet(models.QuerySet):
    """For rows with a `created_at`: how many fall in a window, and when one more fits."""

    def limit_reached_until(self, limit, window, now=None):
        """When one more row is allowed, if `limit` rows already fall within `window`
        (a timedelta) before `now`; None if one more fits now.

        The oldest of the last `limit` rows leaves the window first.
        """
        now = now or timezone.now()
        if limit <= 0:
            return now + window  # a limit of 0: nothing is allowed
        recent = self.filter(created_at__gt=now - window).order_by("-created_at")
        times = list(recent.values_list("created_at", flat=True)[:limit])
        if len(times) < limit:
            return None
        return times[-1] + window

    def wait_seconds(self, limit, window, now=None):
        """Whole seconds (rounded up) until one more row fits the limit; 0: now."""
        now = now or timezone.now()
        until = self.limit_reached_until(limit, window, now)
        return math.ceil((until - now).total_seconds()) if until else 0
