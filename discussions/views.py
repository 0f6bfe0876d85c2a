from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from discussions.models import Thread


def topic_list(request: HttpRequest) -> HttpResponse:
    topics = Thread.objects.visible().topics().order_by("-last_activity_at")[:50]
    return render(request, "discussions/topic_list.html", {"topics": topics})
