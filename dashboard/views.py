from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Max, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from config.fragments import fragment_or_page, wants_fragment
from phones.models import PhoneEvent
from sms import budgets
from sms.clients import client_ip
from sms.models import Status
from smstest.models import tests_of

from .forms import SignupForm
from .models import ClientEvent

WIDGET_PHONES = 3


def root(request):
    return redirect("dashboard:home" if request.user.is_authenticated else "login")


def signup(request):
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with (
                budgets.trips_recorded(),
                ClientEvent.objects.within_budget(
                    ClientEvent.Kind.SIGNUP, client_ip(request), budgets.SIGNUPS_PER_IP
                ),
            ):
                user = form.save()
        except budgets.BudgetExceeded as trip:
            form.add_error(None, trip.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.get_short_name() or user.username}!")
            return redirect("dashboard:home")
    return render(request, "registration/signup.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, limited per client IP, with links built from PUBLIC_BASE_URL.

    The request's Host header is the client's to choose: a link built from it could point
    at any port or host the site also answers to.
    """

    @property
    def extra_email_context(self):
        public = urlsplit(settings.PUBLIC_BASE_URL)
        return {"domain": public.netloc, "protocol": public.scheme, "site_name": settings.SITE_NAME}

    def form_valid(self, form):
        try:
            with (
                budgets.trips_recorded(),
                ClientEvent.objects.within_budget(
                    ClientEvent.Kind.PASSWORD_RESET,
                    client_ip(self.request),
                    budgets.PASSWORD_RESETS_PER_IP,
                ),
            ):
                return super().form_valid(form)
        except budgets.BudgetExceeded as trip:
            form.add_error(None, trip.message)
            return self.form_invalid(form)


@login_required
@require_GET
def home(request):
    sms_context = sms_widget_context(request.user)
    # The latest test answers the checklist's "have you sent one" too: one query fewer.
    has_tested = sms_context["latest_test"] is not None
    context = phone_widget_context(request.user, has_tested=has_tested) | sms_context
    return render(request, "dashboard/home.html", context)


@login_required
@require_GET
@fragment_or_page
def phone_widget(request):
    """The phone widget for htmx to refresh in place; a browser goes to it on the dashboard."""
    if not wants_fragment(request):
        return redirect(reverse("dashboard:home") + "#phone-widget")
    return render(request, "dashboard/home.html#phone_widget", phone_widget_context(request.user))


@login_required
@require_GET
@fragment_or_page
def sms_widget(request):
    """The SMS widget for htmx to refresh in place; a browser goes to it on the dashboard."""
    if not wants_fragment(request):
        return redirect(reverse("dashboard:home") + "#sms-widget")
    return render(request, "dashboard/home.html#sms_widget", sms_widget_context(request.user))


def phone_widget_context(user, *, has_tested=None):
    """The phone widget's and the checklist's context; `has_tested` (bool) when the caller
    knows already whether the user has sent a test, else read here."""
    # One query for the numbers: the widget and the checklist both read this list.
    phones = list(
        user.phone_numbers.order_by(
            "-is_primary", F("verified_at").asc(nulls_last=True), "created_at"
        )
    )
    verified = [phone for phone in phones if phone.verified_at]
    if has_tested is None:
        has_tested = tests_of(user).exists()
    # Deletions live only in the event log; numbers made outside the page (in the admin)
    # only in their own timestamps.
    last_change = PhoneEvent.objects.filter(user=user).changes().aggregate(at=Max("created_at"))
    changed_at = [
        last_change["at"],
        *(p.created_at for p in phones),
        *(p.verified_at for p in verified),
    ]
    return {
        "widget_phones": phones[:WIDGET_PHONES],
        "more_phones": max(0, len(phones) - WIDGET_PHONES),
        "first_pending": next((phone for phone in phones if not phone.verified_at), None),
        "phones_updated_at": max(filter(None, changed_at), default=None),
        "checklist": [
            ("Add a phone number", bool(phones)),
            ("Verify it with the code we text you", bool(verified)),
            ("Send a test message", has_tested),
        ],
        "checklist_done": bool(verified) and has_tested,
    }


def sms_widget_context(user):
    tests = tests_of(user)
    counts = tests.filter(created_at__gte=timezone.now() - timedelta(days=30)).aggregate(
        sent=Count("pk"),
        delivered=Count("pk", filter=Q(status=Status.DELIVERED)),
        failed=Count("pk", filter=Q(status__in=[Status.FAILED, Status.UNDELIVERED])),
    )
    return {
        "latest_test": tests.with_reports().first(),
        "sms_counts": counts,
    }
