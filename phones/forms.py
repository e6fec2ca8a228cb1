import re

import phonenumbers
from django import forms
from django.conf import settings
from phonenumber_field.phonenumber import PhoneNumber as ParsedNumber
from phonenumbers import PhoneNumberType

from sms.destinations import fold_typed_number, region_name, region_refusal, type_refusal

from .models import CODE_DIGITS, CannotAddNumber, PhoneNumber, normalise_code

MAX_TYPED_LENGTH = 32
TYPED_NUMBER = re.compile(r"[0-9+().\-/ ]*")


def flag(region):
    """The emoji flag of a two-letter region code: its letters as regional indicators."""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in region)


def example_number(region):
    """A mobile number of `region` in national format, as people there write it."""
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    if example is None:
        return ""
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)


def calling_code(region):
    return phonenumbers.country_code_for_region(region)


def country_label(region):
    return f"{flag(region)} {region_name(region)} (+{calling_code(region)})"


class CountrySelect(forms.Select):
    """A plain select (it works without JavaScript) whose options carry each country's
    example number, for static/js/country-picker.js to show as the number's placeholder."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["data-example"] = example_number(value)
        return option


def preferred_region(accept_language):
    """The first allowed country named in an Accept-Language header ("en-GB,en;q=0.8"),
    or None: where a new visitor most likely lives."""
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip()
        region = tag.split("-")[-1].upper() if "-" in tag else ""
        if region in settings.PHONE_ALLOWED_REGIONS:
            return region
    return None


class AddPhoneForm(forms.ModelForm):
    region = forms.ChoiceField(
        label="Country",
        required=False,
        widget=CountrySelect(attrs={"data-country-picker": ""}),
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

    def __init__(self, data=None, *args, user, region=None, **kwargs):
        if data is not None and data.get("suggested_region"):
            # "Did you mean United Kingdom (+44)?": the one-click fix re-posts with it.
            data = data.copy()
            data["region"] = data["suggested_region"]
        super().__init__(data, *args, **kwargs)
        self.user = user
        # Set by clean() when the number is valid in another allowed country.
        self.suggestion = None
        self.fields["region"].choices = [
            (region, country_label(region)) for region in settings.PHONE_ALLOWED_REGIONS
        ]
        self.fields["region"].initial = region or settings.PHONE_DEFAULT_REGION
        chosen = self["region"].value() or settings.PHONE_DEFAULT_REGION
        self.fields["number"].widget.attrs["placeholder"] = example_number(chosen)

    def clean_number(self):
        typed = fold_typed_number(self.cleaned_data["number"])
        if not typed:  # nothing but invisible marks
            raise forms.ValidationError(self.fields["number"].error_messages["required"])
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
        number = parse(typed, region)
        if number is None or not number.is_valid():
            self.add_error("number", self.invalid_number_message(typed, region))
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
            # Coded, so that callers other than the page can tell this refusal apart.
            self.add_error(
                "number", forms.ValidationError(refusal.message, code="cannot_add_number")
            )
            return cleaned
        cleaned["number"] = number
        return cleaned

    def invalid_number_message(self, typed, region):
        if typed.startswith("+"):
            # A number with + is read by its own country code, whatever the select says.
            try:
                country_code = phonenumbers.parse(typed, None).country_code
            except phonenumbers.NumberParseException:
                country_code = None
            own = phonenumbers.region_code_for_country_code(country_code or 0)
            where = region_name(own) if len(own) == 2 and own != "ZZ" else "any country"
            return f"This is not a valid phone number for {where}. Check the digits after +."
        self.suggestion = next(
            (
                other
                for other in settings.PHONE_ALLOWED_REGIONS
                if other != region and (parsed := parse(typed, other)) and parsed.is_valid()
            ),
            None,
        )
        return (
            f"This is not a valid phone number for {region_name(region)}. Check the digits, "
            "or start with + and the country code."
        )

    @property
    def suggestion_label(self):
        return f"{region_name(self.suggestion)} (+{calling_code(self.suggestion)})"

    def save(self, commit=True):
        """Raises CannotAddNumber if another request added a number in the meantime."""
        return PhoneNumber.objects.create_for(
            self.user, self.cleaned_data["number"], self.cleaned_data["label"]
        )


def parse(typed, region):
    """`typed` as a number of `region` (or of its own country code after +), or None."""
    try:
        return ParsedNumber.from_string(typed, region=region)
    except phonenumbers.NumberParseException:
        return None


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
