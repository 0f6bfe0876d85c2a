"""A request's CSRF token as Django's `get_token` makes it, with one read of the
system's randomness instead of one per character.

Django masks the visitor's secret with a new random mask for each token, so that no
two pages carry the same bytes for it (BREACH). It draws the mask's 32 characters
one by one from SystemRandom, a system call each: on a kept page served to a
signed-in visitor, that was about an eighth of the request. Here the mask comes from
one `os.urandom` read, by rejection (a byte below 248, taken modulo 62: each of the
62 characters exactly as likely), and the token has Django's own format, which its
middleware checks as before. A visitor without a secret yet gets Django's own path,
which makes one.
"""

from __future__ import annotations

import os

from django.http import HttpRequest
from django.middleware import csrf

_CHARS = csrf.CSRF_ALLOWED_CHARS
_CHAR_SET = frozenset(_CHARS)
_INDEX = {char: index for index, char in enumerate(_CHARS)}
_BELOW = 256 - 256 % len(_CHARS)  # 248: the bytes that map evenly onto the characters


def _mask() -> list[int]:
    picked: list[int] = []
    while len(picked) < csrf.CSRF_SECRET_LENGTH:
        picked.extend(byte % len(_CHARS) for byte in os.urandom(40) if byte < _BELOW)
    return picked[: csrf.CSRF_SECRET_LENGTH]


def get_token(request: HttpRequest) -> str:
    """The token for a form in this response (`django.middleware.csrf.get_token`)."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None or len(secret) != csrf.CSRF_SECRET_LENGTH or not _CHAR_SET.issuperset(secret):
        return csrf.get_token(request)
    # Used: the middleware sends the cookie again, renewing its expiry (as Django's).
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _mask()
    size = len(_CHARS)
    return "".join(_CHARS[m] for m in mask) + "".join(
        _CHARS[(_INDEX[char] + m) % size] for char, m in zip(secret, mask, strict=True)
    )
