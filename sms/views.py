import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import metrics
from .forms import StatusCallbackForm
from .models import Message, OutboxMessage
from .senders import simulates_outcomes
from .senders.twilio import is_valid_signature

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def twilio_status(request):
    """Twilio's status callbacks. Only requests signed with our auth token are believed.

    Answers 403 for a bad signature, 400 for a signed callback with malformed fields (and
    changes nothing), 200 otherwise, also for a message we do not know (Twilio would
    otherwise retry it).
    """
    # Behind a proxy the Host we see is not the one Twilio signed, so rebuild the public URL.
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    # The QueryDict: the signature covers every value of a repeated field.
    if not is_valid_signature(url, request.POST, signature):
        logger.warning("Rejected a status callback with a bad signature")
        metrics.count_callback("rejected")
        return HttpResponseForbidden("Invalid signature")
    data = request.POST.copy()
    data.setlist("m", request.GET.getlist("m"))
    form = StatusCallbackForm(data)
    if not form.is_valid():
        logger.warning("Rejected a signed status callback: %s", form.errors.as_json())
        metrics.count_callback("rejected")
        return HttpResponseBadRequest("Malformed status callback")
    fields = {key: values[-1] if len(values) == 1 else values for key, values in data.lists()}
    fields.pop("m", None)
    # The raw report keeps what Twilio sent; the validated values replace only those.
    fields.update(
        {
            name: form.cleaned_data[name]
            for name in ("MessageSid", "MessageStatus", "ErrorCode")
            if name in fields
        }
    )
    message = Message.objects.record_status_report(fields, message_id=form.cleaned_data["m"])
    if message is None:
        metrics.count_callback("unknown")
    else:
        metrics.count_callback("applied" if message.report_applied else "duplicate")
    return HttpResponse(status=200)


@login_required
@require_GET
def dev_outbox(request):
    """Development only: what the offline sender 'sent', verification codes included."""
    if not simulates_outcomes() or not (settings.DEBUG or request.user.is_staff):
        raise Http404
    outbox = list(OutboxMessage.objects.all()[:100])
    messages = Message.objects.filter(twilio_sid__in=[sms.sid for sms in outbox])
    by_sid = {message.twilio_sid: message for message in messages}
    rows = [(sms, by_sid.get(sms.sid)) for sms in outbox]
    return render(request, "sms/dev_outbox.html", {"rows": rows})
