from django import template
from django.utils import timezone

from phones.models import wait_text

register = template.Library()


@register.filter
def time_until(moment):
    """'10 minutes', '42 seconds': rounded up, unlike timeuntil, which rounds down."""
    return wait_text((moment - timezone.now()).total_seconds())
