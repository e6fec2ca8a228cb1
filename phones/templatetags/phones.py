from django import template
from django.utils import timezone
from phonenumber_field.phonenumber import to_python

from phones.models import display_number, wait_text

register = template.Library()


@register.filter
def phone_display(number):
    """A stored number as people read it: national for the default region, else international."""
    parsed = to_python(number)
    if not parsed or not parsed.is_valid():
        return str(number or "")
    return display_number(parsed)


@register.filter
def time_until(moment):
    """'10 minutes', '42 seconds': rounded up, unlike timeuntil, which rounds down."""
    return wait_text((moment - timezone.now()).total_seconds())
