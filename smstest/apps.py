from django.apps import AppConfig


class SmstestConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "smstest"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
