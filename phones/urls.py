from django.urls import path

from . import views

app_name = "phones"
urlpatterns = [
    path("", views.manage, name="manage"),
    path("add/", views.add, name="add"),
    path("<int:pk>/", views.row, name="row"),
    path("<int:pk>/send-code/", views.send_code, name="send_code"),
    path("<int:pk>/code-delivery/", views.code_delivery, name="code_delivery"),
    path("<int:pk>/verify/", views.verify, name="verify"),
    path("<int:pk>/make-primary/", views.make_primary, name="make_primary"),
    path("<int:pk>/label/", views.edit_label, name="edit_label"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
