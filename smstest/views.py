import statistics
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HTMX_STOP_POLLING, trigger_client_event

from sms import budgets, destinations, segments
from sms.clients import client_ip
from sms.locks import lock_number, lock_user
from sms.models import Status

from .forms import CUSTOM, SendTestForm
from .models import quota_refusal, tests_of

RECENT_TESTS = 5


def panel_context(user, form=None):
    """What the SMS-testing panel needs, wherever it is shown."""
    form = form or SendTestForm(user=user, initial={"template": CUSTOM})
    return {
        "sms_form": form,
        "has_verified_phone": form.fields["phone"].queryset.exists(),
        "recent_tests": tests_of(user).with_reports()[:RECENT_TESTS],
    }


@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-History-Restore-Request")
def panel(request):
    """The panel as a fragment for the phone-management page (htmx), else a page of its own."""
    template = "smstest/panel.html#panel" if is_fragment_request(request) else "smstest/panel.html"
    return render(request, template, panel_context(request.user))


def is_fragment_request(request):
    # htmx restoring history after a cache miss wants the whole page, not the fragment.
    return bool(request.htmx) and not request.htmx.history_restore_request


@login_required
@require_POST
def send(request):
    form = SendTestForm(request.POST, user=request.user, client_ip=client_ip(request))
    message = None
    try:
        with budgets.trips_recorded(), transaction.atomic():
            # One send at a time per user: two quick clicks cannot both squeeze under a quota.
            lock_user(request.user)
            message = form.save() if form.is_valid() else None
    except budgets.BudgetExceeded as trip:
        form.add_error(None, trip.message)
    if message is None:
        if request.htmx:
            return render(request, "smstest/panel.html#panel", panel_context(request.user, form))
        # Without JavaScript: the panel's own page, with the errors next to their fields.
        return render(request, "smstest/panel.html", panel_context(request.user, form))
    if request.htmx:
        # Keep the choices: people often send the same test again, or change one thing.
        again = SendTestForm(user=request.user, initial=form.cleaned_data)
        response = render(request, "smstest/panel.html#panel", panel_context(request.user, again))
        return trigger_client_event(response, "sms-tests-changed")
    messages.success(request, "Test message queued.")
    return redirect("smstest:message", message.pk)


@login_required
@require_GET
def message_detail(request, pk):
    messages_of_user = tests_of(request.user).with_reports()
    message = get_object_or_404(messages_of_user, pk=pk)
    if message.give_up_if_stuck():
        message = messages_of_user.get(pk=pk)
    context = {"message": message}
    if request.htmx:
        response = render(request, "smstest/message_card.html#card", context)
        if not message.is_watched:
            response.status_code = HTMX_STOP_POLLING
            # The dashboard's 30-day counts change when a test reaches its outcome.
            trigger_client_event(response, "sms-tests-changed")
        return response
    return render(request, "smstest/message.html", context)


@login_required
@require_POST
def retry(request, pk):
    original = get_object_or_404(tests_of(request.user), pk=pk)
    message = None
    try:
        with budgets.trips_recorded(), transaction.atomic():
            lock_user(request.user)
            # Read under the lock: a report that just delivered it leaves nothing to retry.
            original = tests_of(request.user).select_for_update().get(pk=pk)
            lock_number(original.to_number)
            refusal = retry_refusal(request.user, original)
            if not refusal:
                message = original.retry(client_ip=client_ip(request))
    except budgets.BudgetExceeded as trip:
        refusal = trip.message
    if refusal:
        if request.htmx:
            original = tests_of(request.user).with_reports().get(pk=original.pk)
            context = {"message": original, "retry_refusal": refusal}
            return render(request, "smstest/message_card.html", context)
        messages.error(request, refusal)
        return redirect("smstest:message", original.pk)
    if request.htmx:
        message = tests_of(request.user).with_reports().get(pk=message.pk)
        response = render(request, "smstest/message_card.html", {"message": message})
        return trigger_client_event(response, "sms-tests-changed")
    messages.success(request, "Retry queued.")
    return redirect("smstest:message", message.pk)


def retry_refusal(user, original):
    """Why `original` cannot be sent again now, or None."""
    if not original.can_retry:
        return "Only failed or undelivered messages can be retried."
    if not is_verified_number_of(user, original.to_number):
        return "This number is no longer verified on your account, so nothing was sent."
    if turned_off := destinations.refusal(original.to_number):
        return turned_off
    return quota_refusal(user, original.to_number)


def is_verified_number_of(user, number):
    # Through the user: this app does not import the phones app.
    return user.phone_numbers.filter(number=number, verified_at__isnull=False).exists()


@login_required
@require_GET
def preview(request):
    """Characters, encoding and segments of the text being typed."""
    form = SendTestForm(request.GET, user=request.user, checks_quota=False)
    form.is_valid()
    body = form.cleaned_data.get("message_body") or request.GET.get("body", "")
    return render(
        request,
        "smstest/panel.html#counter",
        {"info": segments.analyse(body), "sms_form": form},
    )


@login_required
@require_GET
def history(request):
    tests = tests_of(request.user)
    status = request.GET.get("status", "")
    number = request.GET.get("number", "")
    numbers = list(tests.order_by("to_number").values_list("to_number", flat=True).distinct())
    filtered = tests.with_reports()
    if status in Status.values:
        filtered = filtered.filter(status=status)
    if number:
        # Only numbers this user has texted; anything else (typed into the URL) matches none.
        filtered = filtered.filter(to_number=number) if number in numbers else filtered.none()
    page = Paginator(filtered, 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "number": number,
        "statuses": Status.choices,
        "numbers": numbers,
        "stats": delivery_stats(tests.since(timezone.now() - timedelta(days=30))),
    }
    if request.htmx:
        return render(request, "smstest/history.html#results", context)
    return render(request, "smstest/history.html", context)


def delivery_stats(tests):
    outcomes = list(tests.values_list("status", "created_at", "delivered_at"))
    finished = [
        o for o in outcomes if o[0] in (Status.DELIVERED, Status.UNDELIVERED, Status.FAILED)
    ]
    times = [
        (delivered - created).total_seconds() for _, created, delivered in outcomes if delivered
    ]
    return {
        "sent": len(outcomes),
        "delivered": len(times),
        "failed": len(finished) - len(times),
        "delivery_rate": round(100 * len(times) / len(finished)) if finished else None,
        "median_seconds": statistics.median(times) if times else None,
    }
