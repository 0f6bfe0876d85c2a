"""The CSRF token kept pages and the posted comment carry: Django's format, which
Django's middleware accepts, a new mask each time, every mask character possible."""

from __future__ import annotations

import collections

import pytest
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    CsrfViewMiddleware,
    _unmask_cipher_token,
)
from django.test import RequestFactory

from civic import csrf

SECRET = "aZ09" * 8


def request_with(secret: str | None):
    request = RequestFactory().get("/")
    if secret is not None:
        request.COOKIES["csrftoken"] = secret
    CsrfViewMiddleware(lambda r: None).process_request(request)
    return request


def test_the_token_unmasks_to_the_visitors_secret_and_renews_the_cookie():
    request = request_with(SECRET)
    token = csrf.get_token(request)
    assert len(token) == 2 * CSRF_SECRET_LENGTH and set(token) <= set(CSRF_ALLOWED_CHARS)
    assert _unmask_cipher_token(token) == SECRET
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert csrf.get_token(request) != token  # a new mask for each token


def test_a_visitor_without_a_secret_gets_a_new_one():
    request = request_with(None)
    token = csrf.get_token(request)
    assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]
    assert len(request.META["CSRF_COOKIE"]) == CSRF_SECRET_LENGTH


def test_every_character_can_be_drawn_for_the_mask():
    request = request_with(SECRET)
    seen = collections.Counter()
    for _ in range(400):
        seen.update(csrf.get_token(request)[:CSRF_SECRET_LENGTH])
    # 12,800 draws over 62 characters: about 206 each; none missing, none far off.
    assert set(seen) == set(CSRF_ALLOWED_CHARS)
    assert max(seen.values()) < 2 * min(seen.values())


@pytest.mark.django_db
def test_djangos_middleware_accepts_a_post_with_the_token():
    request = request_with(SECRET)
    token = csrf.get_token(request)
    post = RequestFactory().post(
        "/", {"csrfmiddlewaretoken": token}, HTTP_COOKIE=f"csrftoken={SECRET}"
    )
    post._dont_enforce_csrf_checks = False
    middleware = CsrfViewMiddleware(lambda r: None)
    middleware.process_request(post)
    assert middleware.process_view(post, lambda r: None, (), {}) is None  # accepted
    forged = RequestFactory().post(
        "/", {"csrfmiddlewaretoken": token[::-1]}, HTTP_COOKIE=f"csrftoken={SECRET}"
    )
    middleware.process_request(forged)
    assert middleware.process_view(forged, lambda r: None, (), {}).status_code == 403
