from dataclasses import InitVar, dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HTMX_STOP_POLLING, trigger_client_event

from config.fragments import fragment_or_page, wants_fragment
from sms.clients import client_ip
from sms.models import OutboxMessage
from sms.senders import simulates_outcomes

from .forms import AddPhoneForm, CodeForm, LabelForm, preferred_region
from .models import (
    CannotAddNumber,
    CodeRejected,
    CodeRequestRefused,
    CodeRequests,
    NotVerified,
    NumberBusy,
    PhoneNumber,
    ResendTooSoon,
)

PAGE = "phones/manage.html"
REGION_SESSION_KEY = "phones:region"


@dataclass
class Row:
    """One number as the page shows it, with its forms and what just happened to it."""

    phone: PhoneNumber
    code_form: CodeForm | None = None
    label_form: LabelForm | None = None
    notice: str = ""
    notice_is_error: bool = False
    # What the code limits count, read once for all rows of a page; else read for this row.
    code_requests: InitVar[CodeRequests | None] = None
    # Why "Send code" is disabled now: a cooldown (counted down on the button) or a quota.
    cooldown_seconds: int = field(init=False, default=0)
    code_blocked_message: str = field(init=False, default="")
    # Development (offline sender): the delivery reports a code can be made to get.
    simulate_choices: list = field(init=False, default_factory=list)

    def __post_init__(self, code_requests):
        pk = self.phone.pk
        if not self.phone.is_verified:
            self.code_form = self.code_form or CodeForm(auto_id=f"phone-{pk}-%s")
            refusal = self.phone.code_request_refusal(code_requests)
            if isinstance(refusal, ResendTooSoon):
                self.cooldown_seconds = refusal.wait_seconds
            elif refusal is not None and not isinstance(refusal, NumberBusy):
                # Other accounts' codes are not shown: the button says so only when pressed.
                self.code_blocked_message = refusal.message
            if simulates_outcomes():
                self.simulate_choices = OutboxMessage.Outcome.choices
        self.label_form = self.label_form or LabelForm(
            initial={"label": self.phone.label}, auto_id=f"phone-{pk}-%s"
        )
        for form in (self.code_form, self.label_form):
            if form is not None and form.errors:
                autofocus(form)
        if self.code_form is not None and self.notice and not self.notice_is_error:
            # A code is on its way: the cursor waits where it goes, and the field's description
            # reads the notice out, since the focus skips it.
            autofocus(self.code_form, described_by=f"phone-{pk}-notice")

    @property
    def label_open(self):
        return bool(self.label_form.errors)


def autofocus(form, *, described_by=""):
    # htmx focuses an autofocus field it swaps in; a full page load does the same. Without one,
    # app.js focuses the row's notice (data-focus) so that the focus does not fall to <body>.
    attrs = next(iter(form.fields.values())).widget.attrs
    attrs["autofocus"] = True
    if described_by:
        attrs["aria-describedby"] = described_by


def page_context(user, *, add_form=None, bound_rows=(), region=None):
    phones = user.phone_numbers.select_related("code_message")
    code_requests = phones.code_requests()
    bound = {row.phone.pk: row for row in bound_rows}
    rows = [bound.get(phone.pk) or Row(phone, code_requests=code_requests) for phone in phones]
    return {
        "add_form": add_form or AddPhoneForm(user=user, region=region),
        "rows": rows,
        "overview": user.phone_numbers.overview(),
    }


@login_required
@require_GET
@never_cache  # Back from the delete confirmation must show the list as it is now.
def manage(request):
    return render(request, PAGE, page_context(request.user, region=chosen_region(request)))


@login_required
@require_GET
@fragment_or_page
def row(request, pk):
    """One number's row: htmx refreshes it when a resend cooldown ends."""
    phone = get_object_or_404(request.user.phone_numbers, pk=pk)
    if not wants_fragment(request):
        return redirect(anchor(phone))
    return render(request, f"{PAGE}#phone_row", {"row": Row(phone)})


@login_required
@require_GET
@fragment_or_page
def code_delivery(request, pk):
    """The live code's delivery state: the row polls it until the SMS reaches an outcome, and
    asks for it again when the code's countdown ends. A poll sends the state's version as
    `seen`: nothing new since, it gets 204 (htmx keeps what it shows)."""
    phone = get_object_or_404(request.user.phone_numbers.select_related("code_message"), pk=pk)
    if not wants_fragment(request):
        return redirect(anchor(phone))
    if phone.code_delivery_unchanged_since(request.GET.get("seen")):
        return HttpResponse(status=204)
    message = phone.code_message
    if message is not None:
        message.give_up_if_stuck()  # a worker that died mid-send left it "submitting"
    context = {"phone": phone}
    if message is not None and message.is_final and message.error and not message.twilio_sid:
        # Surely not sent: its cooldown is given back, so the button is too.
        context |= {"row": Row(phone), "send_code_again": True}
    response = render(request, f"{PAGE}#code_delivery", context)
    if message is None or not message.is_watched:
        response.status_code = HTMX_STOP_POLLING
    return response


@login_required
@require_POST
@fragment_or_page
def add(request):
    form = AddPhoneForm(request.POST, user=request.user, region=chosen_region(request))
    phone = None
    if form.is_valid():
        try:
            phone = form.save()
        except CannotAddNumber as refusal:
            form.add_error("number", refusal.message)
    if phone is None:
        if wants_fragment(request):
            return render(request, f"{PAGE}#add_form", {"add_form": form})
        return render(request, PAGE, page_context(request.user, add_form=form))

    # The next number is most likely from the same country.
    request.session[REGION_SESSION_KEY] = form.cleaned_data["region"]
    notice, is_error = send_code_notice(phone, request, added=True)
    if wants_fragment(request):
        context = {
            "add_form": AddPhoneForm(user=request.user, region=chosen_region(request)),
            "row": Row(phone, notice=notice, notice_is_error=is_error),
            "overview": request.user.phone_numbers.overview(),
        }
        return changed(render(request, f"{PAGE}#added", context))
    messages.add_message(request, messages.ERROR if is_error else messages.SUCCESS, notice)
    return redirect(anchor(phone))


@login_required
@require_POST
@fragment_or_page
def send_code(request, pk):
    phone = get_object_or_404(request.user.phone_numbers, pk=pk)
    notice, is_error = send_code_notice(phone, request)
    return row_response(request, Row(phone, notice=notice, notice_is_error=is_error))


def send_code_notice(phone, request, *, added=False):
    prefix = f"Added {phone.display}. " if added else ""
    try:
        simulate = OutboxMessage.outcome_to_play(request.POST.get("simulate"))
        phone.start_verification(simulate=simulate, client_ip=client_ip(request))
    except CodeRequestRefused as refusal:
        return prefix + ("No code was sent: " if added else "") + refusal.message, True
    return prefix + f"We are sending a code to {phone.display}. Enter it below.", False


@login_required
@require_POST
@fragment_or_page
def verify(request, pk):
    phone = get_object_or_404(request.user.phone_numbers, pk=pk)
    form = CodeForm(request.POST, auto_id=f"phone-{pk}-%s")
    if form.is_valid():
        try:
            phone.check_code(form.cleaned_data["code"])
        except CodeRejected as rejection:
            form.add_error("code", rejection.message)
    if form.errors:
        return row_response(request, Row(phone, code_form=form), error_in_form=True)
    message = f"{phone.display} is verified."
    if phone.is_primary:
        message += " It is your primary number."
    return row_response(request, Row(phone, notice=message))


@login_required
@require_POST
@fragment_or_page
def make_primary(request, pk):
    phone = get_object_or_404(request.user.phone_numbers, pk=pk)
    try:
        previous = phone.make_primary()
    except NotVerified as refusal:
        return row_response(request, Row(phone, notice=refusal.message, notice_is_error=True))
    also = [Row(previous)] if previous else []
    return row_response(request, Row(phone, notice=f"{phone.display} is now primary."), also)


@login_required
@require_POST
@fragment_or_page
def edit_label(request, pk):
    phone = get_object_or_404(request.user.phone_numbers, pk=pk)
    form = LabelForm(request.POST, auto_id=f"phone-{pk}-%s")
    if not form.is_valid():
        return row_response(request, Row(phone, label_form=form), error_in_form=True)
    phone.change_label(form.cleaned_data["label"])
    notice = "Label saved." if phone.label else "Label removed."
    return row_response(request, Row(phone, notice=notice))


@login_required
@require_http_methods(["GET", "POST"])
@fragment_or_page
def delete(request, pk):
    """GET asks for confirmation (pages without JavaScript; with it, the row's dialog asks);
    POST deletes."""
    phone = get_object_or_404(request.user.phone_numbers, pk=pk)
    if request.method == "GET":
        return render(request, "phones/confirm_delete.html", {"phone": phone})
    removed_pk, display = phone.pk, phone.display
    try:
        promoted = phone.remove()
    except PhoneNumber.DoesNotExist:
        raise Http404("Already deleted") from None  # a second click on Delete
    message = f"Deleted {display}."
    if promoted:
        message += f" {promoted.display} is now your primary number."
    if wants_fragment(request):
        context = {
            "removed_pk": removed_pk,
            "message": message,
            "also": [Row(promoted)] if promoted else [],
            "overview": request.user.phone_numbers.overview(),
        }
        return changed(render(request, f"{PAGE}#removed", context))
    messages.success(request, message)
    return redirect("phones:manage")


def row_response(request, row, also=(), *, error_in_form=False):
    """The changed row (and any other row that changed with it) plus the overview figures.

    Without htmx: the page again, with the form's errors next to its field, or a redirect
    that carries the notice as a message.
    """
    if wants_fragment(request):
        context = {
            "row": row,
            "also": also,
            "overview": request.user.phone_numbers.overview(),
        }
        response = render(request, f"{PAGE}#row_changed", context)
        return response if error_in_form or row.notice_is_error else changed(response)
    if error_in_form:
        return render(request, PAGE, page_context(request.user, bound_rows=[row]))
    level = messages.ERROR if row.notice_is_error else messages.SUCCESS
    messages.add_message(request, level, row.notice)
    return redirect(anchor(row.phone))


def chosen_region(request):
    """The country the add form starts on: the last one used, else the browser's."""
    remembered = request.session.get(REGION_SESSION_KEY)
    if remembered in settings.PHONE_ALLOWED_REGIONS:
        return remembered
    return preferred_region(request.headers.get("Accept-Language", ""))


def changed(response):
    # Other fragments (the dashboard widget, the SMS panel) listen for this and refresh.
    return trigger_client_event(response, "phones-changed")


def anchor(phone):
    return reverse("phones:manage") + f"#phone-{phone.pk}"
