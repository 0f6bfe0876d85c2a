"""/authorities/: the authorities' own public pages (accountability/authority_views.py)."""

from __future__ import annotations

from django.urls import path

from accountability import authority_views

app_name = "authorities"

urlpatterns = [
    path("", authority_views.authority_index, name="index"),
    path("<slug:slug>/", authority_views.authority_detail, name="detail"),
]
