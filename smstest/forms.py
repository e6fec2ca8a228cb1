from django import forms

from sms import destinations, segments
from sms.locks import lock_number
from sms.models import Message, OutboxMessage
from sms.senders import simulates_outcomes

from .models import MessageTemplate, quota_refusal

CUSTOM = "custom"


class SendTestForm(forms.Form):
    phone = forms.ModelChoiceField(queryset=None, label="Send to", empty_label=None)
    template = forms.ChoiceField(label="Template")
    body = forms.CharField(
        label="Message",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": segments.MAX_CUSTOM_LENGTH}),
        help_text="Used when the template is “Custom message”.",
    )
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
        # Only the user's own verified numbers: the app must never text arbitrary numbers.
        # (Reached through the user, so this app does not import the phones app.)
        phones = user.phone_numbers.filter(verified_at__isnull=False).order_by(
            "-is_primary", "created_at"
        )
        self.fields["phone"].queryset = phones
        self.fields["phone"].label_from_instance = lambda phone: " · ".join(
            filter(None, [phone.display, phone.label])
        )
        if "phone" not in self.initial:
            self.initial["phone"] = phones.filter(is_primary=True).first()
        self.templates = {str(t.pk): t for t in MessageTemplate.objects.filter(is_active=True)}
        self.fields["template"].choices = [
            (pk, template.name) for pk, template in self.templates.items()
        ] + [(CUSTOM, "Custom message")]
        if not simulates_outcomes():
            del self.fields["simulate"]

    def clean(self):
        cleaned = super().clean()
        phone, choice = cleaned.get("phone"), cleaned.get("template")
        if phone is None or choice is None:
            return cleaned
        # The same rule the worker checks again right before sending.
        if refusal := destinations.refusal(phone.number):
            self.add_error("phone", refusal)
            return cleaned
        if choice == CUSTOM:
            body = cleaned.get("body", "")
            errors = segments.validate_custom_text(body)
            if errors:
                for error in errors:
                    self.add_error("body", error)
                return cleaned
        else:
            body = self.templates[choice].render(user=self.user, number_display=phone.display)
        cleaned["message_body"] = body
        if self.checks_quota:
            # Other accounts may text the same number at this moment: count under its lock
            # (the caller's transaction holds it until the message is stored).
            lock_number(phone.number)
        refusal = self.checks_quota and quota_refusal(self.user, phone.number)
        if refusal:
            raise forms.ValidationError(refusal, code="quota")
        return cleaned

    def save(self):
        """Queue the test message: a worker sends it once the transaction commits."""
        data = self.cleaned_data
        return Message.queue(
            user=self.user,
            purpose=Message.Purpose.TEST,
            to_number=data["phone"].number,
            body=data["message_body"],
            client_ip=self.client_ip,
            simulate=data.get("simulate", ""),
        )
