from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("staff/insights/", views.insights, name="insights"),
    path("metrics", views.prometheus_metrics, name="metrics"),
]
