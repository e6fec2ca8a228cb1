from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("widgets/phones/", views.phone_widget, name="phone_widget"),
    path("widgets/sms-tests/", views.sms_widget, name="sms_widget"),
]
