"""Turning comments into HTML fast enough for threads of hundreds of comments.

Each comment's <article> is rendered from one template (a plain comment's is filled
into a stencil rendered once from it per shape: see `_stencil`) and, when the shared
cache is a real cache (Redis; locmem in tests), cached under a key made of its
id, its version, the language and what the viewer may do with it, so a page
view mostly costs one `get_many`. The relative time ("3 minutes ago") is put in
after the cache, so cached fragments never go stale. The nesting (<li>/<ol>) is
built here in one pass over the comments in path order.

With the database cache, a fragment cache would cost queries on every miss; there
fragments are kept in a bounded per-process LRU instead. That is safe to keep per
process because a key never changes meaning: any change to a comment gives it a
new version, hence a new key, so there is nothing to invalidate across processes.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from django.core.cache import cache, caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.dispatch import receiver
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone, translation
from django.utils.autoreload import file_changed
from django.utils.formats import date_format
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from civic.links import id_pattern
from discussions.models import Comment, public_name

COMMENT_TEMPLATE = "discussions/partials/comment.html"
# Bump when comment.html changes in a way old cached fragments must not show.
FRAGMENT_SCHEMA = 1
FRAGMENT_TIMEOUT = 24 * 3600
_WHEN = "<!--when-->"


@dataclass(frozen=True)
class Viewer:
    """Who is looking, and what they may do in this thread (computed once per request)."""

    user: object
    can_post: bool
    can_moderate: bool
    now: datetime
    # The thread's author when they are anonymous there: shown as "Reporter".
    anonymous_author_id: int | None = None

    def author_name(self, user) -> str:
        if user is not None and self.anonymous_author_id and user.pk == self.anonymous_author_id:
            return gettext("Reporter")
        return public_name(user)


class _LocalFragments:
    """A small thread-safe LRU with the two cache methods the renderer uses."""

    def __init__(self, size: int = 20000) -> None:
        self.size = size
        self._data: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys: list[str]) -> dict[str, str]:
        found = {}
        with self._lock:
            for key in keys:
                value = self._data.get(key)
                if value is not None:
                    self._data.move_to_end(key)
                    found[key] = value
        return found

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def set_many(self, mapping: dict[str, str], timeout: int | None = None) -> None:
        with self._lock:
            self._data.update(mapping)
            for key in mapping:
                self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


_local_fragments = _LocalFragments()


def _fragment_store():
    # `cache` is a proxy; the backend behind it is caches["default"].
    if isinstance(caches["default"], BaseDatabaseCache):
        return _local_fragments
    return cache


class _Urls:
    """Per-comment URLs by substitution: reverse() per comment costs ~25 µs each, and
    the patterns are reversed once per script prefix (six reverses per render were some
    7 % of a comment POST)."""

    names = ("detail", "reply", "edit", "delete", "flag", "moderate")

    def __init__(self) -> None:
        prefix, urlconf = get_script_prefix(), get_urlconf()
        # (name, (before the id, after it)) for each: hashable, it keys the stencils too.
        self.patterns = tuple(
            (name, id_pattern(f"discussions:comment-{name}", prefix, urlconf))
            for name in self.names
        )

    def for_comment(self, pk: int) -> dict[str, str]:
        return {name: f"{before}{pk}{after}" for name, (before, after) in self.patterns}


def permissions(comment: Comment, viewer: Viewer) -> dict[str, bool]:
    user = viewer.user
    flagged = bool(getattr(comment, "viewer_flagged", False))
    return {
        "reply": viewer.can_post and comment.is_replyable,
        # A locked thread is frozen: no new words, edited or not.
        "edit": viewer.can_post and comment.can_edit(user, viewer.now),
        "delete": comment.can_delete(user),
        "flag": comment.can_flag(user) and not flagged,
        "flagged": flagged and not comment.is_hidden,
        "moderate": viewer.can_moderate and not comment.is_deleted,
    }


def _cache_key(comment: Comment, perms: dict[str, bool], locale: str, viewer: Viewer) -> str:
    bits = "".join("1" if perms[name] else "0" for name in sorted(perms))
    # The names shown are part of the fragment: a renamed author gets a new key.
    names = viewer.author_name(comment.author)
    if comment.reply_to_id and comment.reply_to is not None:
        names += "|" + viewer.author_name(comment.reply_to.author)
    bits += ":" + hashlib.blake2s(names.encode(), digest_size=6).hexdigest()
    # The creation time too: SQLite may hand a deleted row's id to a new comment.
    born = int(comment.created_at.timestamp() * 1_000_000)
    return f"discussions:c:{FRAGMENT_SCHEMA}:{comment.pk}.{born}:{comment.version}:{locale}:{bits}"


def relative_time(value: datetime, now: datetime, memo: dict) -> str:
    """ "3 minutes ago", memoised per bucket: a page's comments share few distinct texts."""
    seconds = max(int((now - value).total_seconds()), 0)
    for size, unit in ((31536000, "y"), (2592000, "mo"), (86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            bucket = (unit, seconds // size)
            break
    else:
        bucket = ("now", 0)
    text = memo.get(bucket)
    if text is None:
        unit, n = bucket
        text = {
            "now": lambda: gettext("just now"),
            "m": lambda: ngettext("%(n)d minute ago", "%(n)d minutes ago", n),
            "h": lambda: ngettext("%(n)d hour ago", "%(n)d hours ago", n),
            "d": lambda: ngettext("%(n)d day ago", "%(n)d days ago", n),
            "mo": lambda: ngettext("%(n)d month ago", "%(n)d months ago", n),
            "y": lambda: ngettext("%(n)d year ago", "%(n)d years ago", n),
        }[unit]() % {"n": n}
        memo[bucket] = text = escape(text)
    return text


def _labels() -> dict[str, str]:
    """The fixed words of a comment, translated once per language."""
    return _labels_in(translation.get_language())


@functools.lru_cache(maxsize=16)
def _labels_in(language: str | None) -> dict[str, str]:
    # Under `language`, active already: gettext reads the active catalog.
    return {
        "official": gettext("Official"),
        "deleted": gettext("[deleted]"),
        "edited": gettext("edited"),
        "pending_review": gettext("Hidden pending review: several people flagged this comment."),
        "show_hidden": gettext("Show the hidden text (moderators only)"),
        "reply": gettext("Reply"),
        "edit": gettext("Edit"),
        "delete": gettext("Delete"),
        "confirm_delete": gettext("Delete your comment? Replies to it will stay."),
        "flag": gettext("Flag"),
        "flagged": gettext("You flagged this comment"),
        "hide": gettext("Hide"),
        "unhide": gettext("Unhide"),
    }


def _article_values(comment: Comment, viewer: Viewer) -> dict[str, str | None]:
    """What one comment's article shows of it besides its state, its words and links."""
    reply_to = comment.reply_to if comment.reply_to_id else None
    # Nesting already says which comment a reply answers, except past the depth limit.
    replying_to = (
        viewer.author_name(reply_to.author)
        if reply_to is not None and comment.reply_to_id != comment.parent_id
        else None
    )
    return {
        # Strings, not numbers: the template would localise every number it prints.
        "pk": str(comment.pk),
        "version": str(comment.version),
        "iso_time": comment.created_at.isoformat(),
        "author_name": viewer.author_name(comment.author),
        "replying_to": replying_to,
        "replying_to_id": str(comment.reply_to_id),
        "exact_time": date_format(comment.created_at, "DATETIME_FORMAT", use_l10n=True),
    }


def _article_context(
    comment: Comment, perms: dict[str, bool], urls: _Urls, labels: dict[str, str], viewer: Viewer
) -> dict:
    return {
        "c": comment,
        **_article_values(comment, viewer),
        "labels": labels,
        "perms": perms,
        "urls": urls.for_comment(comment.pk),
        "when": mark_safe(_WHEN),  # a fixed marker, replaced below
        "edited_time": date_format(comment.edited_at, "DATETIME_FORMAT", use_l10n=True)
        if comment.edited_at
        else "",
    }


# A plain comment (neither deleted, hidden nor edited: every new one) differs from
# another of the same shape (official or not, naming whom it replies to or not, what
# the viewer may do) only in the values above and its body. Its article is filled into
# a stencil, rendered once per shape, language and URL prefix from the template itself
# with a slot for each value, instead of rendering the template for each comment.
_SLOT = "civic-slot:{}:"  # unchanged by escaping: letters, a dash and colons
_SLOTS = re.compile(r"civic-slot:([a-z_]+):")
_VALUES = (
    "pk",
    "version",
    "iso_time",
    "author_name",
    "replying_to",
    "replying_to_id",
    "exact_time",
)


def _is_plain(comment: Comment) -> bool:
    return not (comment.is_deleted or comment.is_hidden or comment.edited_at)


@functools.lru_cache(maxsize=512)
def _stencil(shape: tuple, language: str | None, urls: tuple) -> tuple[str, ...]:
    """The article of a plain comment of `shape`, split at its slots: literal text at
    even places, a value's name at odd ones. `urls`: the render's `_Urls.patterns`."""
    perms, is_official, replies_past_depth = shape
    comment = SimpleNamespace(
        is_official=is_official,
        is_deleted=False,
        is_hidden=False,
        edited_at=None,
        body_html=_SLOT.format("body"),
    )
    slots = {name: _SLOT.format(name) for name in _VALUES}
    if not replies_past_depth:
        slots["replying_to"] = None
    context = {
        "c": comment,
        **slots,
        "labels": _labels(),
        "perms": dict(perms),
        "urls": {name: f"{before}{_SLOT.format('pk')}{after}" for name, (before, after) in urls},
        "when": mark_safe(_WHEN),
        "edited_time": "",
    }
    return tuple(_SLOTS.split(get_template(COMMENT_TEMPLATE).render(context)))


@receiver(file_changed, dispatch_uid="discussions-stencils")
def _forget_stencils(sender, file_path, **kwargs) -> None:
    # The development server reloads an edited template without restarting: so must
    # the stencils made from it.
    if file_path.suffix == ".html":
        _stencil.cache_clear()


def _from_stencil(
    comment: Comment, perms: dict[str, bool], urls: _Urls, language: str | None, viewer: Viewer
) -> str:
    values = _article_values(comment, viewer)
    shape = (tuple(sorted(perms.items())), comment.is_official, values["replying_to"] is not None)
    parts = _stencil(shape, language, urls.patterns)
    # Each value as the template prints it: escaped unless already safe; the body is
    # the sanitised HTML the template marks safe.
    filled = {
        name: conditional_escape(value) for name, value in values.items() if value is not None
    }
    filled["body"] = comment.body_html
    out = list(parts)
    for index in range(1, len(out), 2):
        out[index] = filled[out[index]]
    return "".join(out)


def _build_article(
    comment: Comment, perms: dict[str, bool], urls: _Urls, labels: dict[str, str], viewer: Viewer
) -> str:
    """One comment's article, not found among the kept fragments."""
    if _is_plain(comment):
        return _from_stencil(comment, perms, urls, translation.get_language(), viewer)
    context = _article_context(comment, perms, urls, labels, viewer)
    return get_template(COMMENT_TEMPLATE).render(context)


def render_articles(comments: Sequence[Comment], viewer: Viewer) -> dict[int, str]:
    """The <article> of each comment, by id."""
    if not comments:
        return {}
    # The fragment holds translated words and a local exact time.
    locale = f"{translation.get_language() or ''}:{timezone.get_current_timezone_name()}"
    perms = {c.pk: permissions(c, viewer) for c in comments}
    keys = {c.pk: _cache_key(c, perms[c.pk], locale, viewer) for c in comments}
    store = _fragment_store()
    found = store.get_many(list(keys.values()))
    urls = _Urls()
    labels = _labels()
    fresh: dict[str, str] = {}
    memo: dict = {}
    out: dict[int, str] = {}
    for comment in comments:
        key = keys[comment.pk]
        html = found.get(key)
        if html is None:
            html = fresh[key] = _build_article(comment, perms[comment.pk], urls, labels, viewer)
        out[comment.pk] = html.replace(_WHEN, relative_time(comment.created_at, viewer.now, memo))
    if fresh:
        store.set_many(fresh, FRAGMENT_TIMEOUT)
    return out


def _node_open(comment: Comment, article: str) -> str:
    pk = comment.pk
    return (
        f'<li class="comment-node depth-{comment.depth}" id="node-{pk}" '
        f'data-parent="{comment.parent_id or ""}">{article}'
        f'<div class="comment-slot" id="slot-{pk}"></div>'
        f'<ol class="replies" id="replies-{pk}">'
    )


_NODE_CLOSE = "</ol></li>"


def render_tree(comments: Sequence[Comment], viewer: Viewer) -> SafeString:
    """Nested <li> nodes for comments in path order (whole subtrees)."""
    articles = render_articles(comments, viewer)
    parts: list[str] = []
    open_depths: list[int] = []
    for comment in comments:
        while open_depths and open_depths[-1] >= comment.depth:
            parts.append(_NODE_CLOSE)
            open_depths.pop()
        parts.append(_node_open(comment, articles[comment.pk]))
        open_depths.append(comment.depth)
    parts.append(_NODE_CLOSE * len(open_depths))
    return mark_safe("".join(parts))  # articles from the template; ids are ints


def render_nodes(comments: Iterable[Comment], viewer: Viewer) -> SafeString:
    """Each comment as a separate, empty-bodied node (for live updates and posting):
    the page's script (or the swap target) puts each under its parent."""
    comments = list(comments)
    articles = render_articles(comments, viewer)
    return mark_safe("".join(_node_open(c, articles[c.pk]) + _NODE_CLOSE for c in comments))


def render_article(comment: Comment, viewer: Viewer) -> SafeString:
    return mark_safe(render_articles([comment], viewer)[comment.pk])
