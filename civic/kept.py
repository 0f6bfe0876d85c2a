"""Answers and pages kept per data version (civic/versions.py): whole public API and
map answers, and pages for visitors who see them alike, built once per version and
served to everyone else from memory or the shared cache.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags

from civic import signed_in
from civic.csrf import get_token
from civic.versions import PAGES, REPORTS, _memo, _page_paths, _paths, current, current_many

# ---------------------------------------------------------------------------
# Whole public responses (API, map data): built once per version, served with an
# ETag (304 to a matching If-None-Match) and gzipped when the client accepts it.
# Only for responses that are the same for every visitor: no cookies, no CSRF
# token (so compressing them leaks nothing, unlike a page with a form: BREACH).

GZIP_MIN_BYTES = 1024
# How much older than its `max_age` a kept answer may be served while it is rebuilt.
STALE_GRACE_SECONDS = 30.0


@dataclass(frozen=True)
class _Built:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    gzipped: bytes | None
    etag: str

    @property
    def weight(self) -> int:
        return len(self.body) + len(self.gzipped or b"") + 200


_NOT_KEPT = {"content-length", "content-encoding", "etag", "set-cookie", "cache-control"}


def _freeze(response: HttpResponse) -> _Built:
    body = response.content
    gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    headers = tuple((k, v) for k, v in response.items() if k.lower() not in _NOT_KEPT)
    return _Built(response.status_code, headers, body, gzipped, etag)


_build_locks: dict[str, threading.Lock] = {}
_build_locks_guard = threading.Lock()


def _build_lock(key: str) -> threading.Lock:
    with _build_locks_guard:
        if len(_build_locks) > 10_000:  # keys are many (every map position); locks are cheap
            _build_locks.clear()
        return _build_locks.setdefault(key, threading.Lock())


def _matches(header: str, etag: str) -> bool:
    # Weak comparison, as for GET: a proxy that compressed the body marks it W/.
    return any(tag.removeprefix("W/") == etag for tag in parse_etags(header)) or header == "*"


def _accepts_gzip(request: HttpRequest) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def request_key(request: HttpRequest) -> str:
    """Everything a public response depends on besides the data: the absolute URL (its
    host and scheme appear in the links), the query in a normal form (an api_key aside:
    reading needs none) and the language."""
    return "|".join(
        (
            request.scheme,
            request.get_host(),
            request.path,
            query_key(request, drop=("api_key",)),
            translation.get_language_from_request(request),
        )
    )


def cached_response(
    request: HttpRequest,
    build: Callable[[], HttpResponse],
    *,
    name: str = REPORTS,
    max_age: float = 60.0,
) -> HttpResponse:
    """The response `build()` makes, kept in this process while the data version of
    `name` holds (and `max_age` seconds at most, for what depends on the clock).

    The view builds; PublicCacheMiddleware keeps the finished response and answers
    the next requests for it early, before the session, authentication, CSRF and URL
    resolving it does not need. Only a 200 without cookies is kept."""
    version = current(name)  # before building: a change meanwhile makes a newer one
    key = request_key(request)

    def make() -> HttpResponse:
        response = build()
        if response.status_code == 200 and not response.streaming:
            response.civic_cache = (key, name, version, max_age)
            if not _middleware_active:
                _store(request, response)
        return response

    return _kept_or_made(key, version, max_age, lambda built: _serve(request, built), make)


def _kept_or_made(
    key: str,
    version: object,
    max_age: float,
    serve: Callable[[_Built], HttpResponse],
    make: Callable[[], HttpResponse],
) -> HttpResponse:
    """`serve` what this process keeps under `key` and `version`, or `make` it: one build
    per key at a time, the other threads asking for it meanwhile wait for that one
    instead of all running the same queries. When what is kept has only grown older
    than `max_age` (the data is the same), they are answered with it while one thread
    builds the new one: a long page's rebuild each minute holds nobody up."""
    built = _memo.get(key, version, max_age)
    if built is not None:
        return serve(built)
    lock = _build_lock(key)
    if not lock.acquire(blocking=False):
        built = _memo.stale(key, version, max_age + STALE_GRACE_SECONDS)
        if built is not None:
            return serve(built)
        lock.acquire()
    try:
        built = _memo.get(key, version, max_age)
        if built is not None:
            return serve(built)
        return make()
    finally:
        lock.release()


def _store(request: HttpRequest, response: HttpResponse) -> _Built | None:
    key, name, version, max_age = response.civic_cache
    if response.cookies or "cookie" in response.get("Vary", "").lower():
        return None  # personal after all: never shared
    built = _freeze(response)
    _memo.put(key, version, built, built.weight)
    with _build_locks_guard:
        if len(_paths) > 50_000:
            _paths.clear()
        _paths[request.path] = (name, max_age)
    return built


def _serve(request: HttpRequest, built: _Built) -> HttpResponse:
    if _matches(request.headers.get("If-None-Match", ""), built.etag):
        response = HttpResponseNotModified()
    else:
        use_gzip = built.gzipped is not None and _accepts_gzip(request)
        response = HttpResponse(built.gzipped if use_gzip else built.body, status=built.status)
        for header, value in built.headers:
            response[header] = value
        if use_gzip:
            response["Content-Encoding"] = "gzip"
    response["ETag"] = built.etag
    patch_vary_headers(response, ["Accept-Encoding"])
    # Anyone may keep it, but must ask again (a cheap 304) before using it.
    response["Cache-Control"] = "public, no-cache"
    return response


# path → (version name, max_age) of the responses kept for it, learned as they are built.
_middleware_active = False


class PublicCacheMiddleware:
    """Answers a GET for a kept public response, or a kept page for a visitor without
    a session, before the rest of the stack runs.

    Sits after the security, CSP and static-file middleware (their headers apply to
    every answer) and before sessions: what it answers is the same for every visitor
    (a page gets the visitor's own CSRF token put in)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        global _middleware_active
        _middleware_active = True
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        known = _paths.get(request.path)
        if known is not None:
            built = _memo.get(request_key(request), current(known[0]), known[1])
            if built is not None:
                return _serve(request, built)
        page = _page_paths.get(request.path)
        if page is not None and page_cacheable(request):
            built = _memo.get(_page_key(request), current_many(page[0]), page[1])
            if built is not None:
                return _serve_page(request, built)
        response = self.get_response(request)
        if getattr(response, "civic_page", None) is not None:
            return _finish_page(request, response)
        if getattr(response, "civic_cache", None) is None:
            return response
        built = _store(request, response)
        return response if built is None else _serve(request, built)


# ---------------------------------------------------------------------------
# Whole pages for visitors without a session (most readers: whoever arrives from a
# link, a search engine or a shared report): the page is built once per version of
# what it shows and served early, with the visitor's own CSRF token put in place of
# a placeholder. Anyone signed in, or with messages waiting, gets the page built for
# them. Pages are never compressed here (they carry a token: BREACH).

CSRF_PLACEHOLDER = "civic-csrf-token-placeholder-" + "0" * 35  # as long as a real token
_CSRF_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()
_csrf = CsrfViewMiddleware(lambda request: HttpResponse())
# path → (version names, max_age) of the pages kept for it, learned as they are built.


def page_cacheable(request: HttpRequest) -> bool:
    """Whether the page for `request` is the one every visitor without a session sees:
    no session (so nobody is signed in), no messages waiting, not an htmx fragment."""
    cookies = request.COOKIES
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in cookies
        and CookieStorage.cookie_name not in cookies
        and "HX-Request" not in request.headers
    )


def nav_viewer(request: HttpRequest) -> tuple | None:
    """For a page that shows nothing of a signed-in user but the site's navigation: the
    key of what they see there (residents alike; staff get their queue and admin links),
    or None for a visitor without an account. Their own CSRF token is put in when the
    page is served, the one part that is theirs alone."""
    # Who they are and the page's versions, in one query (civic/signed_in.py).
    signed_in.prefetch(request, PAGES)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        # With a session (a guest's report under way, say) they see what everyone
        # without an account sees, kept apart from the copy served before the session.
        return None if page_cacheable(request) else ("nav", "visitor")
    return ("nav", bool(user.is_staff))


def _page_key(request: HttpRequest) -> str:
    return "page|" + request_key(request)


def cached_page(
    request: HttpRequest,
    build: Callable[[], HttpResponse],
    *,
    names: tuple[str, ...] = PAGES,
    max_age: float = 60.0,
    viewer: tuple | None = None,
) -> HttpResponse:
    """The page `build()` renders, kept in this process while the versions of `names`
    hold (and `max_age` seconds at most: relative times and deadlines move with the
    clock), for visitors without a session; and, when the view passes `viewer` (all the
    page shows that depends on a signed-in user, as a key), for signed-in users with the
    same `viewer`. Anyone else gets `build()` itself.

    The page is rendered with CSRF_PLACEHOLDER for its token (the `csrf_placeholder`
    context processor) and each visitor gets their own token put in. Kept pages for
    visitors without a session are answered by PublicCacheMiddleware, before the rest
    of the stack; signed-in users' ones by this function, after authentication."""
    if not _middleware_active:
        return build()
    if viewer is None and not page_cacheable(request):
        return build()
    if viewer is not None and (len(get_messages(request)) or "HX-Request" in request.headers):
        return build()  # messages to show, or a fragment
    # Before building: a change meanwhile makes a newer one.
    version = signed_in.versions_for(request, names)
    key = _page_key(request) + ("" if viewer is None else f"|viewer:{viewer!r}")

    def make() -> HttpResponse:
        request.civic_csrf_placeholder = True
        try:
            response = build()
        finally:
            # An error page rendered after a failed build gets a real token.
            request.civic_csrf_placeholder = False
        response.civic_page = (key, names, version, max_age, viewer is None)
        return response

    return _kept_or_made(key, version, max_age, lambda built: _serve_page(request, built), make)


def _finish_page(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Keep a page `cached_page` built (unless it turned out personal) and answer it
    with the visitor's token."""
    key, names, version, max_age, public = response.civic_page
    if response.streaming:
        return response
    keep = response.status_code == 200 and not response.cookies
    headers = tuple((k, v) for k, v in response.items() if k.lower() not in _NOT_KEPT)
    built = _Built(response.status_code, headers, response.content, None, "")
    if keep:
        _memo.put(key, version, built, built.weight)
    if keep and public:
        with _build_locks_guard:
            if len(_page_paths) > 50_000:
                _page_paths.clear()
            _page_paths[request.path] = (names, max_age)
    served = _serve_page(request, built)
    for morsel in response.cookies.values():
        served.cookies[morsel.key] = morsel
    return served


def _serve_page(request: HttpRequest, built: _Built) -> HttpResponse:
    _csrf.process_request(request)  # the visitor's CSRF cookie, if any
    body = built.body.replace(_CSRF_PLACEHOLDER_BYTES, get_token(request).encode())
    response = HttpResponse(body, status=built.status)
    for header, value in built.headers:
        response[header] = value
    response["Content-Length"] = str(len(body))
    # Sets (or renews) the visitor's CSRF cookie, as the CSRF middleware would.
    return _csrf.process_response(request, response)


def query_key(request: HttpRequest, *, drop: tuple[str, ...] = ()) -> str:
    """The request's query string in a normal form (sorted, keys unique), for `key`."""
    items = sorted((k, v) for k in request.GET for v in request.GET.getlist(k) if k not in drop)
    return urlencode(items)
