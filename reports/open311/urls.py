from django.urls import path

from reports.open311 import views

app_name = "open311"

urlpatterns = [
    path("", views.index, name="index"),
]
