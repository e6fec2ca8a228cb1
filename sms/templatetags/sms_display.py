from django import template
from phonenumber_field.phonenumber import to_python

from sms.destinations import display_number

register = template.Library()


@register.filter
def phone_display(number):
    """A stored number as people read it: national for the default region, else international."""
    parsed = to_python(number)
    if not parsed or not parsed.is_valid():
        return str(number or "")
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
