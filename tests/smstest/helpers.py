"""Small helpers shared by the smstest tests."""

from django.urls import reverse


def message_url(message):
    """The test message's own page (sms.Message knows no smstest URL)."""
    return reverse("smstest:message", args=[message.pk])
