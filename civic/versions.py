"""Data versions: one counter per kind of data, bumped by every change to it.

`bump("reports")` runs inside the writer's transaction (reports/actions.py does it
for every change to a report), so the new number becomes visible exactly when the
change does. `current("reports")` is what a cached response is keyed by: a change
makes a new key, and the old entries are simply never asked for again, in any
process or on any node.

The counter's row in the database is the source of truth. With a shared-memory
cache (Redis, or LocMem in tests) the number is read from the cache and written
there after commit; with the database cache a cache read is itself a query, so the
row is read directly (one primary-key lookup).

`memo()` is a small per-process cache of built responses in front of that: an
entry is found only under the current version, so the shared check keeps it
fresh; a time limit bounds what depends on the clock rather than on data.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache, caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags

from civic.models import DataVersion

T = TypeVar("T")

# Bounded, so a cache that missed an update (two writers whose after-commit hooks
# ran out of order) heals by itself.
CACHE_TIMEOUT = 300
REPORTS = "reports"  # reports and everything shown with them
SERVICES = "services"  # services, their questions and the authorities
THREADS = "threads"  # discussions: comments, topics, follows and supports
VOLUNTEERS = "volunteers"  # calls for volunteers and their sign-ups
# What the public pages (home, report page, lists) show.
PAGES = (REPORTS, THREADS, VOLUNTEERS)


def _any_thread(name: str) -> str:
    # Bumped by every change to `name` that is not known to touch one thread only.
    return f"{name}:any-thread"


def _one_thread(thread_id: int) -> str:
    return f"thread:{thread_id}"


def thread_page(thread_id: int) -> tuple[str, ...]:
    """The versions a report's page is kept under: its own thread's, and every change
    to PAGES that may touch any thread. A comment or a "me too" there renews that page
    (and the lists, under PAGES), not every report's."""
    return (*(_any_thread(name) for name in PAGES), _one_thread(thread_id))


def _key(name: str) -> str:
    return f"civic:version:{name}"


def _cache_is_shared_memory() -> bool:
    # `cache` is a proxy; the backend behind it is caches["default"].
    return not isinstance(caches["default"], BaseDatabaseCache)


def _read(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {DataVersion._meta.db_table} WHERE name = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else 0


def current(name: str) -> int:
    """The version of `name` (0 before its first change): one cache read or one query."""
    if _cache_is_shared_memory():
        value = cache.get(_key(name))
        if value is not None:
            return value
        value = _read(name)
        # add, not set: a writer that committed meanwhile has set a newer value.
        cache.add(_key(name), value, CACHE_TIMEOUT)
        return value
    return _read(name)


def current_many(names: tuple[str, ...]) -> tuple[int, ...]:
    """The versions of `names`, in order: one cache read or one query."""
    if _cache_is_shared_memory():
        found = cache.get_many([_key(name) for name in names])
        if len(found) == len(names):
            return tuple(found[_key(name)] for name in names)
    table = DataVersion._meta.db_table
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(names))
        cursor.execute(f"SELECT name, value FROM {table} WHERE name IN ({marks})", list(names))
        values = dict(cursor.fetchall())
    if _cache_is_shared_memory():
        for name in names:
            cache.add(_key(name), values.get(name, 0), CACHE_TIMEOUT)
    return tuple(values.get(name, 0) for name in names)


def bump(name: str, *, thread: int | None = None) -> None:
    """Count a change to `name`. Call inside the writer's transaction, with the `thread`
    the change shows on when it shows on that thread's page only (see `thread_page`)."""
    names = [name, _any_thread(name) if thread is None else _one_thread(thread)]
    rows = DataVersion.objects.filter(name__in=names)
    if rows.update(value=F("value") + 1) < len(names):
        # A first change: create what is missing and count again (twice for the others
        # is harmless: a new number is all a version has to be).
        DataVersion.objects.bulk_create(
            [DataVersion(name=each, value=0) for each in names], ignore_conflicts=True
        )
        rows.update(value=F("value") + 1)
    if _cache_is_shared_memory():
        # Forget the old numbers now (this transaction then reads its own new ones) and
        # publish the committed ones after commit: a reader that re-cached an old number
        # meanwhile is overwritten.
        cache.delete_many([_key(each) for each in names])
        for each in names:
            transaction.on_commit(lambda each=each: _publish(each))


def _publish(name: str) -> None:
    # Read back after commit rather than trusting a number handed out earlier, so a
    # late hook from an older writer cannot move the cache backwards for long.
    cache.set(_key(name), _read(name), CACHE_TIMEOUT)


class _Memo:
    """A thread-safe LRU of key → (version, built at, weight, value), bounded in weight
    (bytes, for responses)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.weight = 0
        self.entries: OrderedDict[str, tuple[int, float, int, object]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, version: int, max_age: float):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry[0] != version or time.monotonic() - entry[1] > max_age:
                self._drop(key)
                return None
            self.entries.move_to_end(key)
            return entry[3]

    def put(self, key: str, version: int, value: object, weight: int = 1) -> None:
        with self.lock:
            self._drop(key)
            self.entries[key] = (version, time.monotonic(), weight, value)
            self.weight += weight
            while self.weight > self.budget and len(self.entries) > 1:
                self._drop(next(iter(self.entries)))

    def _drop(self, key: str) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.weight -= entry[2]

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.weight = 0


# Per process: 3 gunicorn workers keep at most 3 x 32 MB of built responses.
_memo = _Memo(budget=32 * 1024 * 1024)


def memo(
    key: str,
    version: int,
    build: Callable[[], T],
    max_age: float = 60.0,
    weight: Callable[[T], int] | None = None,
) -> T:
    """`build()`'s value, kept in this process under `key` while `version` holds
    (and for at most `max_age` seconds, for what depends on the clock)."""
    value = _memo.get(key, version, max_age)
    if value is None:
        value = build()
        _memo.put(key, version, value, weight(value) if weight else 1)
    return value


def clear_memo() -> None:
    """Forget every built value in this process (tests)."""
    _memo.clear()
    _paths.clear()
    _page_paths.clear()


# ---------------------------------------------------------------------------
# Whole public responses (API, map data): built once per version, served with an
# ETag (304 to a matching If-None-Match) and gzipped when the client accepts it.
# Only for responses that are the same for every visitor: no cookies, no CSRF
# token (so compressing them leaks nothing, unlike a page with a form: BREACH).

GZIP_MIN_BYTES = 1024


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
    instead of all running the same queries."""
    built = _memo.get(key, version, max_age)
    if built is not None:
        return serve(built)
    with _build_lock(key):
        built = _memo.get(key, version, max_age)
        if built is not None:
            return serve(built)
        return make()


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
_paths: dict[str, tuple[str, float]] = {}
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
_page_paths: dict[str, tuple[tuple[str, ...], float]] = {}


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
    version = current_many(names)  # before building: a change meanwhile makes a newer one
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
