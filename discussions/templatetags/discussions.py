from __future__ import annotations

from django import template

from discussions.models import public_name as _public_name

register = template.Library()


@register.filter
def public_name(user) -> str:
    """The name shown for a user in discussions (never their email address)."""
    return _public_name(user)
