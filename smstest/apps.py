from django.apps import AppConfig


class SmstestConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "smstest"
    verbose_name = "SMS testing"
