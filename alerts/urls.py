from __future__ import annotations

from django.urls import path

from alerts import views

app_name = "alerts"

# Under /reports/alerts/.
urlpatterns = [
    path("new/", views.alert_new, name="new"),
    path("confirm/<str:token>/", views.alert_confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.alert_unsubscribe, name="unsubscribe"),
]
