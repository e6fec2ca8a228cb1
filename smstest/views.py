import logging
import statistics
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HTMX_STOP_POLLING, trigger_client_event

from phones.models import lock_user

from . import segments
from .forms import CUSTOM, SendTestForm
from .models import OutboxMessage, Status, TestMessage
from .senders import get_sender
from .senders.twilio import is_valid_signature
from .tasks import send_test_message

logger = logging.getLogger(__name__)

RECENT_TESTS = 5


def panel_context(user, form=None):
    """What the SMS-testing panel needs, wherever it is shown."""
    form = form or SendTestForm(user=user, initial={"template": CUSTOM})
    return {
        "sms_form": form,
        "has_verified_phone": form.fields["phone"].queryset.exists(),
        "recent_tests": TestMessage.objects.filter(user=user).with_timeline()[:RECENT_TESTS],
    }


@login_required
@require_GET
def panel(request):
    return render(request, "smstest/panel.html#panel", panel_context(request.user))


@login_required
@require_POST
def send(request):
    with transaction.atomic():
        # One send at a time per user: two quick clicks cannot both squeeze under a quota.
        lock_user(request.user)
        form = SendTestForm(request.POST, user=request.user)
        message = form.save() if form.is_valid() else None
    if message is None:
        if request.htmx:
            return render(request, "smstest/panel.html#panel", panel_context(request.user, form))
        # Without JavaScript the panel lives on the phone-management page.
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("phones:manage")
    transaction.on_commit(lambda: send_test_message.enqueue(message.pk))
    if request.htmx:
        # Keep the choices: people often send the same test again, or change one thing.
        again = SendTestForm(user=request.user, initial=form.cleaned_data)
        response = render(request, "smstest/panel.html#panel", panel_context(request.user, again))
        return trigger_client_event(response, "sms-tests-changed")
    messages.success(request, "Test message queued.")
    return redirect(message)


@login_required
@require_GET
def message_detail(request, pk):
    messages_of_user = TestMessage.objects.filter(user=request.user).with_timeline()
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
    original = get_object_or_404(request.user.sms_tests, pk=pk)
    with transaction.atomic():
        lock_user(request.user)
        if not original.can_retry:
            refusal = "Only failed or undelivered messages can be retried."
        else:
            refusal = TestMessage.objects.quota_refusal(request.user, original.to_number)
        message = None if refusal else original.retry()
    if refusal:
        if request.htmx:
            original = TestMessage.objects.with_timeline().get(pk=original.pk)
            context = {"message": original, "retry_refusal": refusal}
            return render(request, "smstest/message_card.html", context)
        messages.error(request, refusal)
        return redirect(original)
    transaction.on_commit(lambda: send_test_message.enqueue(message.pk))
    if request.htmx:
        message = TestMessage.objects.with_timeline().get(pk=message.pk)
        response = render(request, "smstest/message_card.html", {"message": message})
        return trigger_client_event(response, "sms-tests-changed")
    messages.success(request, "Retry queued.")
    return redirect(message)


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
    tests = TestMessage.objects.filter(user=request.user)
    status = request.GET.get("status", "")
    number = request.GET.get("number", "")
    numbers = list(tests.order_by("to_number").values_list("to_number", flat=True).distinct())
    filtered = tests.with_timeline()
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


@csrf_exempt
@require_POST
def twilio_status(request):
    """Twilio's delivery reports. Only requests signed with our auth token are believed."""
    # Behind a proxy the Host we see is not the one Twilio signed, so rebuild the public URL.
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not is_valid_signature(url, request.POST.dict(), signature):
        logger.warning("Rejected a status callback with a bad signature")
        return HttpResponseForbidden("Invalid signature")
    fields = request.POST.dict()
    if not fields.get("MessageSid") or not fields.get("MessageStatus"):
        return HttpResponseBadRequest("MessageSid and MessageStatus are required")
    TestMessage.objects.record_status_report(fields)
    return HttpResponse(status=200)


@login_required
@require_GET
def dev_outbox(request):
    """Development only: what the offline sender 'sent', verification codes included."""
    if not get_sender().simulates_outcomes or not (settings.DEBUG or request.user.is_staff):
        raise Http404
    outbox = OutboxMessage.objects.all()[:100]
    return render(request, "smstest/dev_outbox.html", {"outbox": outbox})
