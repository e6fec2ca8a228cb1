from django.urls import path

from . import views

app_name = "sms"
urlpatterns = [
    path("webhooks/twilio/status/", views.twilio_status, name="twilio_status"),
    path("dev/outbox/", views.dev_outbox, name="dev_outbox"),
]
