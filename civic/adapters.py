from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site

from civic.models import Profile
from civic.outbox import queue_message


class AccountAdapter(DefaultAccountAdapter):
    """Account emails (verification, password reset) go through the outbox like every
    other email, so a failing mail server delays them instead of breaking sign-up."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        queue_message(self.render_mail(template_prefix, email, ctx))

    def post_login(self, request, user, **kwargs):
        """Signing in brings the person's own language (kept on their profile by the
        footer's switcher or at sign-up) to this browser, as if they had switched here."""
        response = super().post_login(request, user, **kwargs)
        language = Profile.objects.filter(user=user).values_list("language", flat=True).first()
        if language in dict(settings.LANGUAGES) and hasattr(response, "set_cookie"):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
