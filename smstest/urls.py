from django.urls import path

from . import views

app_name = "smstest"
urlpatterns = [
    path("dashboard/sms-tests/", views.history, name="history"),
    path("dev/outbox/", views.dev_outbox, name="dev_outbox"),
]
