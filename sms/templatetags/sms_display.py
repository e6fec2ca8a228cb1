import functools

from django import template
from django.conf import settings
from phonenumber_field.phonenumber import to_python

from sms.destinations import display_number

register = template.Library()


@register.filter
def phone_display(number):
    """A stored number as people read it: national for the default region, else international.

    `number`: a phonenumber_field PhoneNumber or a string; anything invalid is shown as it is.
    """
    text = getattr(number, "as_e164", None) or str(number or "")
    return displayed(text, settings.PHONE_DEFAULT_REGION)


@functools.lru_cache(maxsize=4096)
def displayed(text, default_region):
    # Checking and formatting a number costs more than the rest of a history row: each
    # distinct number is worked out once per process (the default region is in the key, so
    # a changed setting is never answered from an old entry).
    parsed = to_python(text)
    if not parsed or not parsed.is_valid():
        return text
    return display_number(parsed)


@register.filter
def status_badge(message):
    """The badge class for an sms.Message's status: green delivered, red failed, amber on
    its way, neutral when the outcome is unknown or the message was cancelled."""
    if message.status == message.Status.DELIVERED:
        return "badge badge-ok"
    if message.outcome_unknown:
        return "badge"
    if message.can_retry:
        return "badge badge-danger"
    return "badge" if message.is_final else "badge badge-warn"
