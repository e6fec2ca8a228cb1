import math

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from phones.models import wait_text
from sms.senders import simulates_outcomes

register = template.Library()


@register.filter
def time_until(moment):
    """'10 minutes', '42 seconds': rounded up, unlike timeuntil, which rounds down."""
    return wait_text((moment - timezone.now()).total_seconds())


@register.filter
def seconds_until(moment):
    """Whole seconds from now until `moment`, rounded up: where a live countdown starts.

    Rounded up like time_until, so the countdown never reaches zero before the server agrees.
    """
    return max(0, math.ceil((moment - timezone.now()).total_seconds()))


@register.simple_tag
def dev_outbox_url():
    """The development outbox's URL in development with the offline sender, else ''.

    There codes are not texted: the outbox is where a developer reads them.
    """
    if settings.DEBUG and simulates_outcomes():
        return reverse("sms:dev_outbox")
    return ""
