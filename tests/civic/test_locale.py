"""Each answer's language (civic/locale.py): the language cookie, else Accept-Language,
else the site's; said in Content-Language, varied on Accept-Language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import override_settings

from civic.locale import LocaleMiddleware

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("cookie", "accept", "expected"),
    [
        (None, "es-ES,es;q=0.9,en;q=0.5", "es"),
        (None, "fr-FR,fr;q=0.9", "en"),  # not shipped: the site's language
        (None, "", "en"),
        ("es", "en-GB,en;q=0.9", "es"),  # the visitor's own choice wins
        ("en", "es", "en"),
        ("klingon", "es", "es"),  # a cookie naming no shipped language is ignored
    ],
)
def test_the_page_is_in_the_chosen_language_and_says_so(client, cookie, accept, expected):
    if cookie is not None:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=accept)

    assert response.status_code == 200
    assert response["Content-Language"] == expected
    assert f'<html lang="{expected}"' in response.content.decode()
    assert "Accept-Language" in response["Vary"]
    chosen = response.wsgi_request.LANGUAGE_CODE
    assert chosen == expected


def test_a_site_with_language_prefixed_urls_is_refused_at_start():
    with (
        override_settings(ROOT_URLCONF="tests.civic.i18n_urls"),
        pytest.raises(ImproperlyConfigured, match="i18n_patterns"),
    ):
        LocaleMiddleware(lambda request: HttpResponse())
