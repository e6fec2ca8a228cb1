"""Two small middlewares: request latency by view, and how people find phone management."""

import time
from urllib.parse import urlsplit

from django.urls import reverse

from . import latency
from .models import Entry, PhoneManagementVisit

# ?from= values the links to the phone-management page may carry (docs/operations.md).
FROM_PARAMETER = {
    "quick-action": Entry.QUICK_ACTION,
    "widget": Entry.PHONE_WIDGET,
    "sidebar": Entry.SIDEBAR,
}
PHONE_MANAGEMENT = "phones:manage"
# In the session once this account's first visit is stored: later visits cost no query.
VISIT_RECORDED = "insights.phone_management_visit"


class RequestMetricsMiddleware:
    """Times every request, labelled by its URL name (`request.resolver_match.view_name`).

    First in MIDDLEWARE, so the time covers every other middleware too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None else latency.UNRESOLVED
        latency.observe(view, time.perf_counter() - started)
        return response


class PhoneManagementEntryMiddleware:
    """Records the first time a signed-in account opens the phone-management page, and
    through which link (insights.models.Entry), without touching that page's templates.

    The entry is the link's `?from=` if it carries a known one, else what the Referer's
    path says: the dashboard, another page of ours, or nothing of ours (direct). Only the
    entry is stored, never the Referer. After SessionMiddleware and AuthenticationMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if (
            match is not None
            and match.view_name == PHONE_MANAGEMENT
            and request.method == "GET"
            and response.status_code == 200
            and not request.headers.get("HX-Request")
            and request.user.is_authenticated
            and not request.session.get(VISIT_RECORDED)
        ):
            # One row per account, whichever process or session sees the first visit.
            PhoneManagementVisit.objects.bulk_create(
                [PhoneManagementVisit(user=request.user, entry=entry_of(request))],
                ignore_conflicts=True,
            )
            request.session[VISIT_RECORDED] = True
        return response


def entry_of(request):
    marked = FROM_PARAMETER.get(request.GET.get("from", ""))
    if marked:
        return marked
    referer = urlsplit(request.headers.get("Referer", ""))
    if not referer.netloc or referer.netloc != request.get_host():
        return Entry.DIRECT
    if referer.path == reverse("dashboard:home"):
        return Entry.DASHBOARD
    return Entry.OTHER_PAGE
