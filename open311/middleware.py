"""Open311 writes, answered before sessions, locale, CSRF and authentication."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.urls import Resolver404, resolve, reverse

_xframe = XFrameOptionsMiddleware(lambda request: HttpResponse())


class ApiWriteMiddleware:
    """Sends a POST under /open311/v2/ straight to its view when that view is one of
    the API's (`views.api_view`): a client authenticates with its api_key, never a
    cookie, so the session, locale, CSRF, authentication and messages middleware have
    nothing to do for it (some 330 of an Open311 POST's 3,750 Python calls).

    Every other request, and any path that is not an API view (the developers' page,
    say), takes the whole stack. The security, CSP and static-file middleware run
    before this one, and the clickjacking header is set as the stack would.

    Sits with civic.kept.PublicCacheMiddleware, before SessionMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefix = reverse("open311:index") + "v2/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD") or not request.path_info.startswith(self.prefix):
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        if not getattr(match.func, "cookie_free", False):
            return self.get_response(request)
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        return _xframe.process_response(request, response)
