from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from civic.outbox import queue_message


class AccountAdapter(DefaultAccountAdapter):
    """Account emails (verification, password reset) go through the outbox like every
    other email, so a failing mail server delays them instead of breaking sign-up."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        queue_message(self.render_mail(template_prefix, email, ctx))
