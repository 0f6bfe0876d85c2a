from __future__ import annotations

from django.urls import path

from reports import alert_views, export_views, feeds, reopening_views, staff_views, views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("map.geojson", views.report_geojson, name="geojson"),
    path("nearby/", views.nearby, name="nearby"),
    path("places/", views.place_search, name="place-search"),
    path("stats/", views.report_stats, name="stats"),
    path("staff/", staff_views.queue, name="staff-queue"),
    path("staff/bulk/", staff_views.queue_bulk, name="staff-bulk"),
    path("data/", export_views.open_data, name="open-data"),
    path("export.csv", export_views.export_csv, name="export-csv"),
    path("export.geojson", export_views.export_geojson, name="export-geojson"),
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
    path("<int:pk>/staff-assign/", staff_views.staff_assign, name="staff-assign"),
    path("<int:pk>/staff-reassign/", views.staff_reassign, name="staff-reassign"),
    path("<int:pk>/staff-visibility/", views.staff_visibility, name="staff-visibility"),
    path("<int:pk>/still-broken/", reopening_views.still_broken, name="still-broken"),
    path("fixed/<str:token>/", reopening_views.questionnaire, name="questionnaire"),
    path("alerts/new/", alert_views.alert_new, name="alert-new"),
    path("alerts/confirm/<str:token>/", alert_views.alert_confirm, name="alert-confirm"),
    path(
        "alerts/unsubscribe/<str:token>/", alert_views.alert_unsubscribe, name="alert-unsubscribe"
    ),
    # Feeds: RSS, and the same as Atom.
    path("feeds/new.rss", feeds.NewReportsFeed(), name="feed-new"),
    path("feeds/new.atom", feeds.atom(feeds.NewReportsFeed)(), name="feed-new-atom"),
    path("feeds/near.rss", feeds.NearReportsFeed(), name="feed-near"),
    path("feeds/near.atom", feeds.atom(feeds.NearReportsFeed)(), name="feed-near-atom"),
    path("feeds/service/<slug:code>.rss", feeds.ServiceReportsFeed(), name="feed-service"),
    path(
        "feeds/service/<slug:code>.atom",
        feeds.atom(feeds.ServiceReportsFeed)(),
        name="feed-service-atom",
    ),
    path("feeds/authority/<slug:slug>.rss", feeds.AuthorityReportsFeed(), name="feed-authority"),
    path(
        "feeds/authority/<slug:slug>.atom",
        feeds.atom(feeds.AuthorityReportsFeed)(),
        name="feed-authority-atom",
    ),
    path("<int:pk>/updates.rss", feeds.ReportUpdatesFeed(), name="feed-updates"),
    path("<int:pk>/updates.atom", feeds.atom(feeds.ReportUpdatesFeed)(), name="feed-updates-atom"),
]
