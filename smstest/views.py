import statistics
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HTMX_STOP_POLLING, trigger_client_event

from config.fragments import fragment_or_page, wants_fragment
from sms import budgets
from sms.clients import client_ip
from sms.locks import lock_number, lock_user
from sms.models import Message, Status

from .counter import describe
from .forms import CUSTOM, SendTestForm, chosen_phone
from .models import sending_limits, tests_of
from .paging import page_of
from .retries import chosen_outcome, retry_refusal

RECENT_TESTS = 5


def panel_context(user, form=None):
    """What the SMS-testing panel needs, wherever it is shown: the form (a fresh one opens on
    the first template, ready to send), the counter for its text, the limits for its
    number, and the recent tests."""
    form = form or SendTestForm(user=user)
    return {
        "sms_form": form,
        "has_verified_phone": form.chosen_phone is not None,
        "counter": describe(form.text_to_send),
        "limits": limits_of(user, form.chosen_phone),
        "recent_tests": tests_of(user).with_reports()[:RECENT_TESTS],
    }


def limits_of(user, phone):
    """The SendingLimits for a test from `user` to `phone`; None without a number."""
    return sending_limits(user, phone.number) if phone else None


@login_required
@require_GET
@fragment_or_page
def panel(request):
    """The panel as a fragment for the phone-management page (htmx), else a page of its own."""
    template = "smstest/panel.html#panel" if wants_fragment(request) else "smstest/panel.html"
    return render(request, template, panel_context(request.user))


@login_required
@require_POST
def send(request):
    """Queue the test the panel's form describes. With htmx: the panel again, the choices
    kept, or with the errors; without: the new message's page, or the panel's page with the
    errors next to their fields."""
    form = SendTestForm(request.POST, user=request.user, client_ip=client_ip(request))
    message = form.send()
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
def preview(request):
    """The counter for the text being typed (htmx). When the edit turned a template's text
    into a custom message, the template choice too, switched to "Custom message"."""
    form = SendTestForm(request.GET, user=request.user, checks_quota=False)
    form.is_valid()
    context = {"sms_form": form, "counter": describe(form.text_to_send)}
    return render(request, "smstest/panel.html#preview", context)


@login_required
@require_GET
def compose(request):
    """The message box with the chosen template's text for the chosen number (htmx, when
    either changes). For "Custom message": 204, the text stays as it is."""
    form = SendTestForm(user=request.user, initial=request.GET.dict())
    if form.initial["template"] == CUSTOM:
        return HttpResponse(status=204)
    context = {"sms_form": form, "counter": describe(form.text_to_send)}
    return render(request, "smstest/panel.html#composer", context)


@login_required
@require_GET
def limits(request):
    """The limits and the Send button for the chosen number (htmx: when the number
    changes, and once a wait is over)."""
    phone = chosen_phone(request.user, request.GET.get("phone"))
    context = {"limits": limits_of(request.user, phone)}
    return render(request, "smstest/panel.html#limits", context)


@login_required
@require_GET
@fragment_or_page
def message_detail(request, pk):
    """A test's own page, with everything about it. For htmx its card, polled until the
    status is final (answered 286 then); `?detailed=1` asks for the page's detailed card.
    A poll sends the card's version as `seen`: nothing new since, it gets 204 (htmx keeps
    the card) after one query."""
    if wants_fragment(request) and (seen := request.GET.get("seen")):
        current = get_object_or_404(tests_of(request.user), pk=pk)
        if current.unchanged_since(seen):
            return HttpResponse(status=204)
    messages_of_user = (
        tests_of(request.user).with_reports().select_related("retry_of").prefetch_related("retries")
    )
    message = get_object_or_404(messages_of_user, pk=pk)
    if message.give_up_if_stuck():
        message = messages_of_user.get(pk=pk)
    if not wants_fragment(request):
        return render(request, "smstest/message.html", {"message": message, "detailed": True})
    context = {"message": message, "detailed": request.GET.get("detailed") == "1"}
    response = render(request, "smstest/message_card.html#card", context)
    if not message.is_watched:
        response.status_code = HTMX_STOP_POLLING
        # The dashboard's 30-day counts change when a test reaches its outcome.
        trigger_client_event(response, "sms-tests-changed")
    return response


@login_required
@require_POST
def retry(request, pk):
    """Send a failed test again, with the outcome chosen to simulate in development."""
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
                simulate = chosen_outcome(request.POST.get("simulate"))
                message = original.retry(client_ip=client_ip(request), simulate=simulate)
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


@dataclass(frozen=True)
class StatusGroup:
    value: str
    label: str
    statuses: tuple


# The history's status filter, in words people use. Every status is in exactly one group.
STATUS_GROUPS = [
    StatusGroup("delivered", "Delivered", (Status.DELIVERED,)),
    StatusGroup(
        "not-delivered", "Not delivered", (Status.UNDELIVERED, Status.FAILED, Status.CANCELED)
    ),
    StatusGroup("unknown", "Outcome unknown", (Status.UNKNOWN,)),
    StatusGroup(
        "on-the-way",
        "On its way",
        (
            Status.PENDING,
            Status.SUBMITTING,
            Status.ACCEPTED,
            Status.SCHEDULED,
            Status.QUEUED,
            Status.SENDING,
            Status.SENT,
        ),
    ),
]


def status_group(value):
    """The StatusGroup a `?status=` value names: a group's own value, or (in older links)
    one of its statuses; None for anything else."""
    return next((g for g in STATUS_GROUPS if value in (g.value, *g.statuses)), None)


@login_required
@require_GET
@fragment_or_page
def history(request):
    """Every test of the user, newest first, filtered by status group and number, with the
    30-day figures. For htmx (the filters) only the results."""
    tests = tests_of(request.user)
    group = status_group(request.GET.get("status", ""))
    number = request.GET.get("number", "")
    numbers = Message.objects.recipients_of(request.user, Message.Purpose.TEST)
    filtered = tests
    if group:
        filtered = filtered.filter(status__in=group.statuses)
    if number:
        # Only numbers this user has texted; anything else (typed into the URL) matches none.
        filtered = filtered.filter(to_number=number) if number in numbers else filtered.none()
    page = page_of(filtered, request.GET.get("page"))
    if not page.object_list and page.has_previous and not filtered.exists():
        page = page_of(filtered, 1)  # nothing on any page: the first one says so
    context = {
        "page": page,
        "status": group.value if group else "",
        "number": number,
        "statuses": [(g.value, g.label) for g in STATUS_GROUPS],
        "numbers": numbers,
        "stats": delivery_stats(tests.since(timezone.now() - timedelta(days=30))),
    }
    if wants_fragment(request):
        return render(request, "smstest/history.html#results", context)
    return render(request, "smstest/history.html", context)


def delivery_stats(tests):
    """Sent, delivered and failed counts, the delivery rate (%) and the median seconds to
    delivery of `tests`, in two queries whatever their number: the counts aggregated, and
    the one or two middle durations read from the ordered list."""
    reached = Q(delivered_at__isnull=False)
    counts = tests.aggregate(
        sent=Count("pk"),
        delivered=Count("pk", filter=reached),
        finished=Count(
            "pk", filter=Q(status__in=[Status.DELIVERED, Status.UNDELIVERED, Status.FAILED])
        ),
    )
    delivered, finished = counts["delivered"], counts["finished"]
    median = None
    if delivered:
        durations = (
            tests.filter(reached)
            .annotate(took=ExpressionWrapper(F("delivered_at") - F("created_at"), DurationField()))
            .order_by("took")
            .values_list("took", flat=True)
        )
        middle = durations[(delivered - 1) // 2 : delivered // 2 + 1]
        median = statistics.mean(took.total_seconds() for took in middle)
    return {
        "sent": counts["sent"],
        "delivered": delivered,
        "failed": finished - delivered,
        "delivery_rate": round(100 * delivered / finished) if finished else None,
        "median_seconds": median,
    }
