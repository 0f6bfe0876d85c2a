from __future__ import annotations

from django.urls import path

from reports import reopening_views
from reports.views import detail, lists, new, own

app_name = "reports"

urlpatterns = [
    path("", lists.report_list, name="list"),
    path("map.geojson", lists.report_geojson, name="geojson"),
    path("nearby/", lists.nearby, name="nearby"),
    path("places/", new.place_search, name="place-search"),
    path("new/", new.report_new, name="new"),
    path("new/fields/", new.service_fields, name="service-fields"),
    path("new/photo-location/", new.photo_location, name="photo-location"),
    path("new/geocode/", new.geocode, name="geocode"),
    path("new/street/", new.reverse_geocode, name="reverse-geocode"),
    path("new/sent/", new.guest_sent, name="guest-sent"),
    path("confirm/<str:token>/", new.guest_confirm, name="guest-confirm"),
    path("confirm/<str:token>/account/", new.guest_account, name="guest-account"),
    path("<int:pk>/", detail.report_detail, name="detail"),
    path("<int:pk>/still-broken/", reopening_views.still_broken, name="still-broken"),
    path("<int:pk>/edit/", own.edit_own, name="edit-own"),
    path("<int:pk>/withdraw/", own.withdraw_own, name="withdraw-own"),
    path("fixed/<str:token>/", reopening_views.questionnaire, name="questionnaire"),
]
