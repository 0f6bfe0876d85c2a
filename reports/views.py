from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from reports.models import Report


def report_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/list.html", {"reports": Report.objects.visible()[:50]})


def report_new(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/new.html")


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(Report.objects.visible(), pk=pk)
    return render(request, "reports/detail.html", {"report": report})
