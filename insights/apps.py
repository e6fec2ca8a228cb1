from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Staff insights and monitoring: the success metrics page, /metrics and log events.

    Sits above sms, phones and smstest (like dashboard) and reads their tables; nothing
    below imports it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "insights"

    def ready(self):
        from . import signals  # noqa: F401  (connects the sign-in lock-out log event)
