"""The sanitiser: user text never becomes markup that runs or misleads."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from civic import privacy
from discussions import markup
from discussions.markup import plain_excerpt, render_markdown


def test_markdown_subset_renders():
    html = render_markdown("Hello *you* and **all**\n\n- one\n- two\n\n1. first\n\n> quoted")
    assert "<em>you</em>" in html
    assert "<strong>all</strong>" in html
    assert "<ul>\n<li>one</li>" in html
    assert "<ol>\n<li>first</li>" in html
    assert "<blockquote>" in html


def test_links_get_nofollow_ugc_noopener():
    html = render_markdown("[the council](https://example.org/roads) and <https://example.org/x>")
    assert html.count('rel="nofollow ugc noopener"') == 2
    assert 'href="https://example.org/roads"' in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)></svg>",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        "<b onmouseover=alert(1)>hover</b>",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_raw_html_is_shown_as_text(hostile):
    html = render_markdown(hostile)
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert "<iframe" not in html and "<b " not in html and "<div" not in html
    assert "<a " not in html
    assert "&lt;" in html  # shown, escaped


@pytest.mark.parametrize(
    "link",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<javascript:alert(1)>",
        "[x](&#106;avascript:alert(1))",
    ],
)
def test_dangerous_link_schemes_never_survive(link):
    html = render_markdown(link)
    assert "<a " not in html
    assert "href" not in html


def test_nested_markup_stays_inside_the_allowlist():
    html = render_markdown("> **bold [link](https://a.example) *em <i onclick=x>i</i>***\n> - item")
    assert "<blockquote>" in html and "<strong>" in html
    assert "onclick" not in html.replace("&lt;i onclick=x&gt;", "")
    assert "<i " not in html


def test_headings_images_and_tables_are_not_part_of_the_subset():
    html = render_markdown("# Big\n\n![pic](https://a.example/p.png)\n\n| a |\n|---|\n| b |")
    assert "<h1>" not in html and "<img" not in html and "<table" not in html


def test_plain_excerpt_is_one_line_and_short():
    assert plain_excerpt("a\n\nb   c", 80) == "a b c"
    assert plain_excerpt("x" * 500, 10) == "x" * 9 + "…"


def _parsed(text: str) -> str:
    return markup.sanitise(markup._markdown.render(privacy.markdown_safe(text))).strip()


# Letters and digits of any script, the punctuation a plain line may hold, and some of
# what it may not (so the strategy also finds the lines that must take the parse).
_words = st.text(
    st.one_of(
        st.characters(categories=["L", "N", "M"]),
        st.sampled_from(list(" .,;:!?'()/%-") + list('*_`[]<>&\\"#~\n\t\xa0')),
    ),
    max_size=40,
)


@given(_words)
@example("Written by the benchmark.")
@example("1. a list, not a line")
@example("Still there  ")
@example("caf\u00e9 (rue de l'\u00c9glise) -- 100% broken!")
@example("x_y_z")
@example("Fix *this* now")
@example("See <https://example.org> or [this](https://example.org)")
@example("Tom & Jerry")
def test_a_plain_line_is_rendered_as_the_parser_renders_it(text):
    assert render_markdown(text) == _parsed(text)


@given(st.from_regex(markup._PLAIN_LINE, fullmatch=True))
def test_every_line_the_shortcut_takes_renders_as_the_parser_renders_it(line):
    assert render_markdown(line) == _parsed(line)


@pytest.mark.parametrize(
    "line",
    ["Written by the benchmark.", "The light at Oak St. has been out since Monday!"],
)
def test_a_plain_line_skips_the_parser(line, monkeypatch):
    monkeypatch.setattr(markup, "_markdown", None)  # a parse would fail
    assert render_markdown(line) == f"<p>{line}</p>"
