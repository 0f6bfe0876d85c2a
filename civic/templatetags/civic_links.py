"""`{{ path|absolute }}` and `{% absolute_url "app:name" arg %}` for emails and feeds."""

from __future__ import annotations

from django import template

from civic import links

register = template.Library()


@register.filter
def absolute(path) -> str:
    return links.absolute_url(path)


@register.simple_tag
def absolute_url(viewname: str, *args) -> str:
    return links.absolute_reverse(viewname, *args)
