"""The language of each answer, chosen as Django's LocaleMiddleware does for a site
whose URLs carry no language prefix."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's, without what only language-prefixed URLs (`i18n_patterns`) need: it
    looked for a language code in every path twice, a few percent of a kept signed-in
    page. The language comes from the language cookie or Accept-Language, the answer
    varies on Accept-Language and says its Content-Language, as before."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        super().__init__(get_response)
        if is_language_prefix_patterns_used(settings.ROOT_URLCONF)[0]:
            raise ImproperlyConfigured(
                "civic.locale.LocaleMiddleware is for URLs without a language prefix: "
                "use django.middleware.locale.LocaleMiddleware with i18n_patterns."
            )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
