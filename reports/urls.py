from __future__ import annotations

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("map.geojson", views.report_geojson, name="geojson"),
    path("nearby/", views.nearby, name="nearby"),
    path("places/", views.place_search, name="place-search"),
    path("stats/", views.report_stats, name="stats"),
    path("new/", views.report_new, name="new"),
    path("new/fields/", views.service_fields, name="service-fields"),
    path("new/photo-location/", views.photo_location, name="photo-location"),
    path("new/geocode/", views.geocode, name="geocode"),
    path("new/street/", views.reverse_geocode, name="reverse-geocode"),
    path("new/sent/", views.guest_sent, name="guest-sent"),
    path("confirm/<str:token>/", views.guest_confirm, name="guest-confirm"),
    path("confirm/<str:token>/account/", views.guest_account, name="guest-account"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/staff-update/", views.staff_update, name="staff-update"),
    path("<int:pk>/place/", views.place_pin, name="place-pin"),
    path("<int:pk>/staff-reassign/", views.staff_reassign, name="staff-reassign"),
    path("<int:pk>/staff-visibility/", views.staff_visibility, name="staff-visibility"),
]
