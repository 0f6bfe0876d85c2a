from __future__ import annotations

from django.urls import path

from triage import photos, report_page, views

app_name = "triage"

# Under /reports/, beside the pages they act on.
urlpatterns = [
    path("staff/", views.queue, name="queue"),
    path("staff/bulk/", views.queue_bulk, name="bulk"),
    path("<int:pk>/staff-update/", report_page.staff_update, name="update"),
    path("<int:pk>/place/", report_page.place_pin, name="place-pin"),
    path("<int:pk>/staff-assign/", views.staff_assign, name="assign"),
    path("<int:pk>/staff-reassign/", report_page.staff_reassign, name="reassign"),
    path("<int:pk>/staff-visibility/", report_page.staff_visibility, name="visibility"),
    path("<int:pk>/photos/<int:photo_id>/blur/", photos.blur, name="blur-photo"),
]
