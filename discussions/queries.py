"""What a page that shows a thread's discussion needs, in a constant number of queries.

Other apps (reports) call `discussion_context(request, thread)` from their views and
include "discussions/partials/discussion.html" with the returned context.
"""

from __future__ import annotations

from django.http import HttpRequest

from discussions.models import Thread


def discussion_context(request: HttpRequest, thread: Thread) -> dict:
    return {"discussion": {"thread": thread}}
