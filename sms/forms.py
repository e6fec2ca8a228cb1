from django import forms

# Twilio's SIDs: two letters and 32 hex digits (SM… for SMS, MM… for MMS).
MESSAGE_SID = r"^(SM|MM)[0-9a-fA-F]{32}\Z"


class StatusCallbackForm(forms.Form):
    """The fields of a Twilio status callback that we act on, checked before any is used.

    Twilio's fields: https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
    A callback that fails here answers 400 and changes nothing, even when it is signed.
    """

    MessageSid = forms.RegexField(regex=MESSAGE_SID)
    # Lower-case words: today's statuses and any Twilio adds later (recorded, not applied).
    MessageStatus = forms.RegexField(regex=r"^[a-z_]{1,20}\Z")
    # Twilio's error codes are five digits.
    ErrorCode = forms.RegexField(regex=r"^[0-9]{1,6}\Z", required=False)
    m = forms.UUIDField(required=False)

    def clean(self):
        cleaned = super().clean()
        # A NUL byte in any field's name or value is refused: PostgreSQL cannot store one
        # in text or JSON.
        if any("\x00" in "".join([name, *values]) for name, values in self.data.lists()):
            raise forms.ValidationError("A field contains a NUL character.")
        return cleaned
