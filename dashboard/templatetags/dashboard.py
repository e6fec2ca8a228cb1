from datetime import timedelta

from django import template
from django.conf import settings
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


@register.simple_tag
def site_name():
    """settings.SITE_NAME. Not the `site_name` variable: Django's LoginView and LogoutView set
    that to the current site, which without django.contrib.sites is the request's host."""
    return settings.SITE_NAME
