from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from discussions.markup import render_markdown
from discussions.models import public_name as _public_name

register = template.Library()


@register.filter
def public_name(user) -> str:
    """The name shown for a user in discussions (never their email address)."""
    return _public_name(user)


@register.filter(is_safe=True)
def markdown(text: str) -> str:
    """Source text (a report's description) as sanitised HTML, the comments' Markdown subset."""
    return mark_safe(render_markdown(text))
