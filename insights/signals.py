"""Log events for things that happen outside our own code paths."""

import logging

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.dispatch import receiver

from sms.metrics import log_event

logger = logging.getLogger("insights.events")


@receiver(user_locked_out, dispatch_uid="insights.log_lockout")
def log_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    """django-axes refused a sign-in: the account (if it exists) and the address, never the
    username typed (people type passwords there) nor any credential."""
    user_id = None
    if username:
        user_id = (
            get_user_model()
            .objects.filter(**{get_user_model().USERNAME_FIELD: username})
            .values_list("pk", flat=True)
            .first()
        )
    log_event(
        logger,
        "auth.locked_out",
        "Sign-in locked out for user %s from %s",
        user_id,
        ip_address,
        level=logging.WARNING,
        user_id=user_id,
        client_ip=ip_address,
    )
