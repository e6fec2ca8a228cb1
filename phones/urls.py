from django.urls import path

from . import views

app_name = "phones"
urlpatterns = [
    path("", views.manage, name="manage"),
]
