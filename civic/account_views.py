"""allauth's sign-in page, answering 429 when its failed-login limit is reached.

allauth counts failed logins itself (ACCOUNT_RATE_LIMITS["login_failed"]: per address
and per IP, kept in the shared cache under a cache lock) but re-renders the form with
a 200; here the same page answers 429 Too Many Requests with Retry-After.
"""

from __future__ import annotations

from allauth.account.views import LoginView as AllauthLoginView
from django.conf import settings
from django.http import HttpResponse

from civic import ratelimit


class LoginView(AllauthLoginView):
    def form_invalid(self, form) -> HttpResponse:
        response = super().form_invalid(form)
        codes = {error.code for error in form.non_field_errors().as_data()}
        if "too_many_login_attempts" in codes:
            wait = getattr(settings, "ACCOUNT_LOGIN_ATTEMPTS_TIMEOUT", 300)
            return ratelimit.limited(response, wait)
        return response


login = LoginView.as_view()
