from django import forms
from django.contrib.auth.forms import UserCreationForm

from sms.segments import UNSAFE_CHARACTERS_ERROR, has_unsafe_characters


class SignupForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = ("username", "email", "first_name")

    def clean_first_name(self):
        # It goes into test SMS through {first_name}: the same rule as a typed message.
        first_name = self.cleaned_data["first_name"]
        if has_unsafe_characters(first_name):
            raise forms.ValidationError(UNSAFE_CHARACTERS_ERROR)
        return first_name
