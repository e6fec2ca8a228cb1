from django.conf import settings
from django.db import models
from django.utils import timezone


class Entry(models.TextChoices):
    """How someone reached the phone-management page (insights.middleware)."""

    # Marked links: ?from=quick-action, ?from=widget, ?from=sidebar.
    QUICK_ACTION = "quick_action", "Dashboard quick action"
    PHONE_WIDGET = "phone_widget", "Phone widget"
    SIDEBAR = "sidebar", "Sidebar"
    # Unmarked links, told apart by the Referer's path only.
    DASHBOARD = "dashboard", "Dashboard (unmarked link)"
    OTHER_PAGE = "other_page", "Another page of ours"
    DIRECT = "direct", "Direct (bookmark, typed, email)"


class PhoneManagementVisit(models.Model):
    """The first time an account opened the phone-management page, and through which link.

    Kept small on purpose: the account, the entry and the time. No IP address, no user
    agent, no referring URL (only the entry derived from it), no third-party identifier,
    nothing sent anywhere. Deleted with the account.
    """

    Entry = Entry

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="phone_management_visit",
    )
    entry = models.CharField(max_length=12, choices=Entry.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "first phone-management visit"

    def __str__(self):
        return f"{self.get_entry_display()} at {self.created_at:%Y-%m-%d %H:%M}"


class ViewLatency(models.Model):
    """How fast the views with a latency target answered, as a histogram per day.

    One row per view, day and bucket: `count` requests took at most `le_ms` milliseconds
    (and more than the bucket below). Each web process adds its counts about once a minute
    (insights.latency); the insights page reads the percentiles from these rows.
    """

    view = models.CharField(max_length=100)
    day = models.DateField()
    le_ms = models.PositiveIntegerField("at most (ms)")
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "view latency bucket"
        constraints = [
            models.UniqueConstraint(fields=["view", "day", "le_ms"], name="view_latency_bucket")
        ]

    def __str__(self):
        return f"{self.view} on {self.day}: {self.count} at most {self.le_ms} ms"
