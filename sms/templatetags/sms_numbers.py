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
