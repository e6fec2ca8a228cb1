import re
import unicodedata

import phonenumbers
from django import forms
from django.conf import settings
from phonenumber_field.phonenumber import PhoneNumber as ParsedNumber

from sms.destinations import region_name, region_refusal, type_refusal

from .models import CODE_DIGITS, CannotAddNumber, PhoneNumber, normalise_code

MAX_TYPED_LENGTH = 32
TYPED_NUMBER = re.compile(r"[0-9+().\-/ ]*")


class AddPhoneForm(forms.ModelForm):
    region = forms.ChoiceField(
        label="Country",
        required=False,
        help_text="Used when the number does not start with +.",
    )
    number = forms.CharField(
        label="Phone number",
        # Checked in clean_number, for a message that says what is wrong.
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "maxlength": MAX_TYPED_LENGTH}
        ),
        error_messages={"required": "Enter a phone number."},
    )

    class Meta:
        model = PhoneNumber
        # Only these: a posted user, is_primary or verified_at is ignored.
        fields = ["region", "number", "label"]
        widgets = {"label": forms.TextInput(attrs={"placeholder": "e.g. Work"})}
        help_texts = {"label": "Optional."}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["region"].choices = [
            (region, f"{region_name(region)} (+{phonenumbers.country_code_for_region(region)})")
            for region in settings.PHONE_ALLOWED_REGIONS
        ]
        self.fields["region"].initial = settings.PHONE_DEFAULT_REGION

    def clean_number(self):
        typed = unicodedata.normalize("NFKC", self.cleaned_data["number"]).strip()
        if len(typed) > MAX_TYPED_LENGTH:
            raise forms.ValidationError(
                f"That is too long for a phone number: at most {MAX_TYPED_LENGTH} characters."
            )
        if any(char.isalpha() for char in typed):
            raise forms.ValidationError("Use digits only: a phone number has no letters.")
        if not TYPED_NUMBER.fullmatch(typed):
            raise forms.ValidationError("Use only digits, spaces and + ( ) - . characters.")
        return typed

    def clean(self):
        cleaned = super().clean()
        typed = cleaned.get("number")
        if not typed:
            return cleaned
        region = cleaned.get("region") or settings.PHONE_DEFAULT_REGION
        try:
            number = ParsedNumber.from_string(typed, region=region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not number.is_valid():
            self.add_error(
                "number",
                f"This is not a valid phone number for {region_name(region)}. Check the "
                "digits, or start with + and the country code.",
            )
            return cleaned
        if region_refusal(number):
            allowed = ", ".join(region_name(r) for r in settings.PHONE_ALLOWED_REGIONS)
            self.add_error(
                "number",
                "We can only send text messages to numbers in "
                f"{allowed}; this number is from "
                f"{region_name(phonenumbers.region_code_for_number(number))}.",
            )
            return cleaned
        if refusal := type_refusal(number):
            self.add_error("number", f"{refusal} Enter a mobile number.")
            return cleaned
        try:
            PhoneNumber.objects.check_can_add(self.user, number)
        except CannotAddNumber as refusal:
            self.add_error("number", refusal.message)
            return cleaned
        cleaned["number"] = number
        return cleaned

    def save(self, commit=True):
        """Raises CannotAddNumber if another request added a number in the meantime."""
        return PhoneNumber.objects.create_for(
            self.user, self.cleaned_data["number"], self.cleaned_data["label"]
        )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Verification code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}
        ),
        error_messages={"required": "Enter the code from the text message."},
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not re.fullmatch(rf"[0-9]{{{CODE_DIGITS}}}", code):
            raise forms.ValidationError(
                f"Enter the {CODE_DIGITS}-digit code from the text message."
            )
        return code


class LabelForm(forms.Form):
    label = forms.CharField(
        label="Label",
        required=False,
        max_length=PhoneNumber._meta.get_field("label").max_length,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Work"}),
    )
