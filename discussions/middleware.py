"""The live poll's commonest answer, given before the session is read."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from discussions import live
from discussions.views.comments import unchanged

_ANY_ID = 987654321


class EmptyPollMiddleware:
    """Answers "anything new in this thread since version v?" with 204 (or 304) when
    nothing is, for a visible thread, before sessions, authentication and URL resolving:
    the answer is the same for every viewer. Everything else (a change to send, a hidden
    thread, a bad request) goes on to the view, `comments_since`.

    Sits with civic.kept.PublicCacheMiddleware, after the security and CSP
    middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        before, after = reverse("discussions:comments-since", args=[_ANY_ID]).split(str(_ANY_ID))
        self.path = re.compile(re.escape(before) + r"([0-9]+)" + re.escape(after) + r"\Z")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = self.path.match(request.path_info) if request.method == "GET" else None
        since = request.GET.get("v", "") if match else ""
        if since.isascii() and since.isdigit():
            pk = int(match[1])
            state = live.current_state(pk)
            if state is not None and not state[1]:
                response = unchanged(request, pk, int(since), state[0])
                if response is not None:
                    return response
        return self.get_response(request)
