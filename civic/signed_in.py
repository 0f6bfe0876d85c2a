"""Who is signed in, kept in each process: a signed-in page costs no session or user query.

Django's AuthenticationMiddleware reads the session row, then the user row, and checks
the session's password hash, on every request; for a page kept for every signed-in
resident (civic/kept.py) that was two thirds of its time. Here, on such a page and in
the views residents post through most (`keeps_user`), the user a session key was found
to belong to is kept in this process under the `users` data version
(civic/versions.py), read in the same query as the page's own versions;
any other request authenticates as Django does, with no query added. Every change
that could make the answer different bumps that version, so every process and node
forgets what it kept at once:

- signing in and out (a session's key changes, or its row goes);
- saving or deleting a user (suspension, a new password, staff status, deletion) or
  their profile (kept with them: a new display name or language), changing their
  groups (an authority's staff) or email addresses, deleting a session row.

The same version keys what else is kept per signed-in user (their part in a report's
page, reports/views/detail.py).

An entry also ends after KEEP_SECONDS whatever happens, which bounds what a change made
without signals (a queryset update, raw SQL) could leave behind. Only a session that
holds a signed-in user is kept; a request with no session cookie costs nothing anyway.
The session itself is still read, as before, by whatever asks for it.
"""

from __future__ import annotations

import copy
from functools import wraps

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty

from civic import versions
from civic.models import Profile

KEEP_SECONDS = 60

# Session key → the user, as loaded (each request gets its own copy).
_kept = versions.Memo(budget=50_000)


def prefetch(request: HttpRequest, names: tuple[str, ...]) -> None:
    """With a session cookie, read the `users` version with `names` (the versions a kept
    page is looked up under) in one query, for `get_user` and `versions_for` in this
    request."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return
    if getattr(request, "civic_versions", None) is None:
        wanted = (versions.USERS, *names)
        request.civic_versions = dict(zip(wanted, versions.current_many(wanted), strict=True))


def versions_for(request: HttpRequest, names: tuple[str, ...]) -> tuple[int, ...]:
    """The versions of `names`, as this request already read them if it did."""
    known = getattr(request, "civic_versions", None) or {}
    if all(name in known for name in names):
        return tuple(known[name] for name in names)
    return versions.current_many(names)


def keeps_user(view):
    """For a view residents write through most (a comment, a report, a "me too", a
    sign-up): who is signed in
    comes from this process's memo, under the `users` version read in one query,
    rather than from the session and user rows (`get_user`). Whatever the view then
    reads of the session itself is read as before. Outermost, before anything asks
    who the user is.

    The user is then put on the request itself, not behind the middleware's lazy
    proxy: a view that writes reaches `request.user` some fifty times (each model it
    builds checks the author it is given), each a detour through the proxy."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        prefetch(request, ())
        request.user = _resolved(request.user)
        return view(request, *args, **kwargs)

    return wrapped


def _resolved(user):
    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user


def get_user(request: HttpRequest):
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    known = getattr(request, "civic_versions", None)
    if not key or known is None:
        # Not a kept page (its versions are not read for free): Django's own way.
        return auth.get_user(request)
    # Read before the session: a change committed meanwhile keys what is kept here
    # under the older version, which the next request no longer matches.
    version = known[versions.USERS]
    kept = _kept.get(key, version, KEEP_SECONDS)
    if kept is not None:
        return _copy(kept)
    user = auth.get_user(request)
    if user.is_authenticated and request.session.session_key == key:
        # With their profile (the name beside what they post, their language).
        Profile.of(user)
        _kept.put(key, version, _copy(user))
    return user


def _copy(user):
    # Each request its own user and profile: what one changes, the next never sees.
    user = _clone(user)
    cached = user._state.fields_cache
    if cached.get("profile") is not None:
        cached["profile"] = _clone(cached["profile"])
    return user


def _clone(instance):
    """A shallow copy of a model instance, as `copy.copy` makes it (its own field values
    and its own cache of related objects), without a round through pickling's protocol."""
    clone = instance.__class__.__new__(instance.__class__)
    clone.__dict__.update(instance.__dict__)
    state = clone._state = copy.copy(instance._state)
    state.fields_cache = dict(instance._state.fields_cache)
    return clone


class KeptAuthenticationMiddleware(AuthenticationMiddleware):
    """AuthenticationMiddleware, with the signed-in user kept per session (above)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))


def forget(**_kwargs) -> None:
    """Every process forgets who it kept (a signal's receiver)."""
    versions.bump(versions.USERS)


def subscribe() -> None:
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.signals import user_logged_in, user_logged_out
    from django.contrib.sessions.models import Session
    from django.db.models.signals import m2m_changed, post_delete, post_save

    user_model = get_user_model()
    user_logged_in.connect(forget, dispatch_uid="civic-signed-in-login")
    user_logged_out.connect(forget, dispatch_uid="civic-signed-in-logout")
    post_save.connect(forget, sender=user_model, dispatch_uid="civic-signed-in-user-saved")
    for signal in (post_save, post_delete):
        signal.connect(forget, sender=Profile, dispatch_uid=f"civic-signed-in-profile-{signal}")
    post_delete.connect(forget, sender=user_model, dispatch_uid="civic-signed-in-user-deleted")
    m2m_changed.connect(
        forget, sender=user_model.groups.through, dispatch_uid="civic-signed-in-groups"
    )
    post_delete.connect(forget, sender=Session, dispatch_uid="civic-signed-in-session-deleted")
    # A verified address lets a resident post calls for volunteers (their report page).
    for signal in (post_save, post_delete):
        signal.connect(forget, sender=EmailAddress, dispatch_uid=f"civic-signed-in-email-{signal}")
