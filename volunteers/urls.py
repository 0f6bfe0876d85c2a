from __future__ import annotations

from django.urls import path

from volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("", views.opportunity_list, name="list"),
    path("calls.ics", views.opportunity_feed, name="feed"),
    path("new/<int:thread_pk>/", views.opportunity_new, name="new"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("<int:pk>/", views.opportunity_detail, name="detail"),
    path("<int:pk>/event.ics", views.opportunity_ics, name="ics"),
    path("<int:pk>/edit/", views.opportunity_edit, name="edit"),
    path("<int:pk>/sign-up/", views.signup, name="signup"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/roster/", views.roster, name="roster"),
    path("<int:pk>/roster.csv", views.roster_csv, name="roster-csv"),
    path("<int:pk>/email/", views.email_all, name="email"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/mark-fixed/", views.mark_fixed, name="mark-fixed"),
]
