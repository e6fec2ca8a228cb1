from django.conf import settings
from django.core.checks import Warning, register

from .senders import simulates_outcomes


@register(deploy=True)
def offline_sender_in_production(app_configs, **kwargs):
    """Without Twilio settings the offline sender takes over, silently, even in production."""
    if settings.DEBUG or not simulates_outcomes():
        return []
    return [
        Warning(
            "The offline SMS sender is active: no text message reaches a phone, so nobody "
            "can verify a number, and staff can read the codes at /dev/outbox/.",
            hint="Set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER (or "
            "TWILIO_MESSAGING_SERVICE_SID). For a demo site, add sms.W001 to "
            "SILENCED_SYSTEM_CHECKS.",
            id="sms.W001",
        )
    ]
