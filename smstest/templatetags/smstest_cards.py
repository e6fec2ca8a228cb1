"""For the test-message card, which pages of other apps (the dashboard) include too."""

from django import template

from sms.templatetags.sms_display import phone_display

from .. import retries

register = template.Library()


@register.simple_tag
def retry_state(message, user):
    """`{% retry_state message user as retry %}`: a retries.RetryState for the card's Retry
    (a few queries: call it only for a message that can be retried)."""
    return retries.retry_state(user, message)


@register.filter
def sender_display(sender):
    """The number or Messaging Service a message went out from, as people read it."""
    if sender.startswith("MG"):
        return f"Messaging Service {sender}"
    return phone_display(sender)
