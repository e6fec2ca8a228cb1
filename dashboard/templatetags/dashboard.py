from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from phones.models import wait_text

register = template.Library()


@register.filter
def time_ago(moment):
    """'just now' for the last minute (timesince would say '0 minutes'), else 'N … ago'."""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"


@register.filter
def duration(delta):
    """A timedelta as people say it, rounded up: '15 minutes', '1 hour 30 minutes'."""
    return wait_text(delta.total_seconds())
