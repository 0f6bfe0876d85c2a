from __future__ import annotations

from django.urls import path

from accountability import export_views, feeds, views

app_name = "accountability"

# Under /reports/: the figures, the open data and the feeds of what reports say.
urlpatterns = [
    path("stats/", views.report_stats, name="stats"),
    path("data/", export_views.open_data, name="open-data"),
    path("export.csv", export_views.export_csv, name="export-csv"),
    path("export.geojson", export_views.export_geojson, name="export-geojson"),
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
