from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.functional import cached_property

from sms import budgets, destinations, segments
from sms.locks import lock_number, lock_user
from sms.models import Message, OutboxMessage
from sms.senders import simulates_outcomes

from .models import MessageTemplate, sending_limits

CUSTOM = "custom"


def verified_phones(user):
    """The user's verified numbers, primary first: the only numbers a test may go to.

    Reached through the user, so this app does not import the phones app.
    """
    return user.phone_numbers.filter(verified_at__isnull=False).order_by(
        "-is_primary", "created_at"
    )


def chosen_phone(user, value):
    """The verified number of `user` that `value` (a pk, or a number object) names; the
    primary (else the oldest verified) number when it names none; None without any."""
    phones = verified_phones(user)
    try:
        return forms.ModelChoiceField(queryset=phones).clean(value)
    except ValidationError:
        return phones.first()


def normalise_line_breaks(text):
    # Browsers post a text box's line breaks as CR LF; in an SMS a line break is one "\n",
    # as the counter (which reads the box through JavaScript) counts it.
    return text.replace("\r\n", "\n")


class SendTestForm(forms.Form):
    """A test message: the number, a template or the person's own text, and in development
    the outcome to simulate.

    A fresh form opens on the first active template with its text in the box, so it can be
    sent as it is. The text in the box decides: left as the template put it (or emptied),
    the chosen template is sent, rendered now; edited, it is a custom message, checked as
    one, and the form switches to "Custom message".
    """

    phone = forms.ModelChoiceField(queryset=None, label="Send to", empty_label=None)
    template = forms.ChoiceField(label="Template")
    body = forms.CharField(
        label="Message",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": segments.MAX_CUSTOM_LENGTH}),
        help_text=f"Edit it to send your own text instead (up to {segments.MAX_CUSTOM_LENGTH} "
        "characters).",
    )
    # The template text this form put in the box. While the box still holds it the chosen
    # template is sent: without JavaScript, picking another template then sends that one.
    template_text = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    simulate = forms.ChoiceField(
        label="Simulate",
        choices=OutboxMessage.Outcome.choices,
        required=False,
        help_text="Development only: the delivery report the offline sender plays back.",
    )

    def __init__(self, *args, user, checks_quota=True, client_ip=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.client_ip = client_ip
        # The live character counter only measures the text; quotas matter when sending.
        self.checks_quota = checks_quota
        # Set by clean() when an edited template text made this a custom message.
        self.switched_to_custom = False
        # Set by clean() when it counted the quotas: the SendingLimits of the chosen number.
        self.limits = None
        # Only the user's own verified numbers: the app must never text arbitrary numbers.
        self.fields["phone"].queryset = verified_phones(user)
        self.fields["phone"].label_from_instance = lambda phone: " · ".join(
            filter(None, [phone.display, phone.label])
        )
        self.templates = {str(t.pk): t for t in MessageTemplate.objects.filter(is_active=True)}
        self.fields["template"].choices = [
            (pk, template.name) for pk, template in self.templates.items()
        ] + [(CUSTOM, "Custom message")]
        if not simulates_outcomes():
            del self.fields["simulate"]
        if not self.is_bound:
            self._fill_in_the_chosen_template()

    @cached_property
    def chosen_phone(self):
        """The number the form is set to (posted, or initial); None without any."""
        value = self.data.get(self.add_prefix("phone")) if self.is_bound else None
        return chosen_phone(self.user, value or self.initial.get("phone"))

    def _fill_in_the_chosen_template(self):
        """An unbound form shows the chosen template (the first one unless `initial` says
        otherwise) with its text in the box; "Custom message" keeps the initial text."""
        first = next(iter(self.templates), CUSTOM)
        choice = str(self.initial.get("template") or first)
        if choice != CUSTOM and choice not in self.templates:
            choice = first
        self.initial["template"] = choice
        self.initial["phone"] = self.chosen_phone
        self.initial["template_text"] = ""
        if choice != CUSTOM and self.chosen_phone is not None:
            text = self._render(choice, self.chosen_phone)
            self.initial["body"] = self.initial["template_text"] = text

    def _render(self, choice, phone):
        return self.templates[choice].render(user=self.user, number_display=phone.display)

    @property
    def text_to_send(self):
        """The text as it would go out: after validation the message's text, else what the
        box holds."""
        if self.is_bound:
            sent = getattr(self, "cleaned_data", {}).get("message_body")
            return sent or normalise_line_breaks(self.data.get(self.add_prefix("body"), ""))
        return self.initial.get("body", "")

    def clean_body(self):
        return normalise_line_breaks(self.cleaned_data["body"])

    def clean_template_text(self):
        return normalise_line_breaks(self.cleaned_data["template_text"])

    def clean(self):
        cleaned = super().clean()
        phone, choice = cleaned.get("phone"), cleaned.get("template")
        if phone is None or choice is None:
            return cleaned
        # The same rule the worker checks again right before sending.
        if refusal := destinations.refusal(phone.number):
            self.add_error("phone", refusal)
            return cleaned
        body = cleaned.get("body", "")
        if choice != CUSTOM:
            text = self._render(choice, phone)
            # An empty box (no JavaScript, text deleted) sends the template rather than
            # nothing; a template text rendered a minute ago ({time}) is still unedited.
            if body in ("", text, cleaned.get("template_text")):
                body = cleaned["body"] = text
            else:
                choice = cleaned["template"] = CUSTOM
                self._switch_to_custom()
        if choice == CUSTOM:
            errors = segments.validate_custom_text(body)
            if errors:
                for error in errors:
                    self.add_error("body", error)
                return cleaned
        cleaned["message_body"] = body
        if self.checks_quota:
            # Other accounts may text the same number at this moment: count under its lock
            # (the caller's transaction holds it until the message is stored).
            lock_number(phone.number)
            self.limits = sending_limits(self.user, phone.number)
            if refusal := self.limits.refusal:
                raise forms.ValidationError(refusal, code="quota")
        return cleaned

    def _switch_to_custom(self):
        # Shown again (with errors, or as the counter's answer), the form says what it did.
        self.data = self.data.copy()
        self.data[self.add_prefix("template")] = CUSTOM
        self.switched_to_custom = True

    def send(self):
        """Check the form and queue its test in one transaction, under the user's lock, so
        that two quick sends cannot both squeeze under a quota.

        Returns the queued sms.Message, or None with the reasons in `errors`: a quota
        reached is a non-field error with code "quota" (`limits` then says how long to
        wait), a site budget reached one with code "budget" (sms/budgets.py; it is recorded
        for staff). Nothing is sent inside the transaction: a worker sends after the commit.
        """
        try:
            with budgets.trips_recorded(), transaction.atomic():
                lock_user(self.user)
                return self.save() if self.is_valid() else None
        except budgets.BudgetExceeded as trip:
            self.add_error(None, ValidationError(trip.message, code="budget"))
            return None

    def save(self):
        """Queue the test message: a worker sends it once the transaction commits. Call it
        inside the transaction that validated the form (send() does)."""
        data = self.cleaned_data
        return Message.queue(
            user=self.user,
            purpose=Message.Purpose.TEST,
            to_number=data["phone"].number,
            body=data["message_body"],
            client_ip=self.client_ip,
            simulate=data.get("simulate", ""),
        )
