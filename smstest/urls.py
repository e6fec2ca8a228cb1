from django.urls import path

from . import views

app_name = "smstest"
urlpatterns = [
    path("dashboard/sms-tests/", views.history, name="history"),
    path("dashboard/sms-tests/panel/", views.panel, name="panel"),
    path("dashboard/sms-tests/send/", views.send, name="send"),
    path("dashboard/sms-tests/preview/", views.preview, name="preview"),
    path("dashboard/sms-tests/compose/", views.compose, name="compose"),
    path("dashboard/sms-tests/limits/", views.limits, name="limits"),
    path("dashboard/sms-tests/<int:pk>/", views.message_detail, name="message"),
    path("dashboard/sms-tests/<int:pk>/retry/", views.retry, name="retry"),
]
