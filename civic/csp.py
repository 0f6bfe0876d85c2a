"""django-csp's middleware with the policy built once per process.

Civic's policy is the same for every response (no nonces, no per-view decorators), yet
django-csp builds the header string anew each time, which costs as much as a whole
cached API answer. A response that carries its own parts (a decorator's `_csp_*`
attributes) or a request that asked for a nonce still gets django-csp's own handling.
"""

from __future__ import annotations

from functools import cached_property

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt",
    "_csp_exempt_ro",
)


class CSPMiddleware(BaseCSPMiddleware):
    @cached_property
    def _policies(self) -> tuple[tuple[str, str], ...]:
        headers = []
        for header, setting, report_only in (
            (HEADER, "CONTENT_SECURITY_POLICY", False),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
        ):
            if (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES"):
                return ()  # per path: django-csp decides
            policy = build_policy(report_only=report_only)
            if policy:
                headers.append((header, policy))
        return tuple(headers)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        policies = self._policies
        if (
            not policies
            or settings.DEBUG
            or getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in _PER_RESPONSE)
        ):
            return super().process_response(request, response)
        for header, policy in policies:
            if header not in response:
                response[header] = policy
        # As django-csp does: asking for a nonce once the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
