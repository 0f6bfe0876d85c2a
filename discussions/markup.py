"""Comment text: a small Markdown subset rendered once, at save time, then sanitised.

markdown-it runs with raw HTML off (so `<script>` is shown as text) and only the
rules listed below; nh3 then keeps an allowlist of tags, attributes and URL
schemes, whatever the renderer produced. The result is stored in `body_html`
and shown as is.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

from civic import privacy

ALLOWED_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "a", "blockquote", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

_markdown = MarkdownIt("zero", {"html": False, "breaks": True, "linkify": False}).enable(
    [
        "paragraph",
        "newline",
        "emphasis",
        "list",
        "link",
        "autolink",
        "blockquote",
        "backticks",
        "escape",
        "entity",
    ]
)


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


# One line of words and plain punctuation, starting with a letter and ending without a
# space: no character any enabled rule, HTML or the sanitiser would act on. Most short
# comments are such a line, and its HTML is known without a parse (a tenth of a
# comment's time): the test holds it to markdown-it's and nh3's output.
_PLAIN_LINE = re.compile(r"[^\W\d_](?:[^\W_]|[ .,;:!?'()/%-])*(?<! )")


def render_markdown(text: str) -> str:
    """Safe HTML for `text` (already length-checked by the form); the markers of hidden
    personal data stay plain text."""
    text = privacy.markdown_safe(text or "")
    if _PLAIN_LINE.fullmatch(text):
        return f"<p>{text}</p>"
    return sanitise(_markdown.render(text)).strip()


def plain_excerpt(text: str, length: int = 280) -> str:
    """The first characters of the source text, on one line (for emails and admin)."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"
