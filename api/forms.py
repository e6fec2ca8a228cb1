from django import forms

from .models import AccessToken


class TokenForm(forms.ModelForm):
    """Name a new personal access token and say whether it may change anything."""

    class Meta:
        model = AccessToken
        fields = ["name", "read_only"]
        labels = {"name": "Token name", "read_only": "Read-only"}
        help_texts = {
            "name": "What it is for, e.g. “Deploy pipeline”.",
            "read_only": "It can read your numbers and tests, but not change anything or send SMS.",
        }
        error_messages = {"name": {"required": "Give the token a name."}}

    def save_for(self, user):
        """Create the token for `user`; returns (AccessToken, the secret, shown only now)."""
        return AccessToken.objects.create_for(
            user, name=self.cleaned_data["name"], read_only=self.cleaned_data["read_only"]
        )
