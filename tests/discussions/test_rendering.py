"""Comment fragments are rendered once per version and reused, with either cache."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.test.signals import template_rendered
from django.urls import get_script_prefix, set_script_prefix

from discussions import actions
from discussions.queries import discussion_context
from tests.factories import make_comment


@pytest.fixture
def comment_renders():
    rendered: list[str] = []

    def count(sender, template, **kwargs):
        if template.name == "discussions/partials/comment.html":
            rendered.append(template.name)

    template_rendered.connect(count)
    yield rendered
    template_rendered.disconnect(count)


def page_html(thread, user) -> str:
    request = RequestFactory().get(thread.get_absolute_url())
    request.user = user
    return str(discussion_context(request, thread)["discussion"]["comments_html"])


@pytest.mark.parametrize("backend", ["locmem", "database"])
def test_fragments_are_reused_until_the_comment_changes(
    topic, resident, neighbour, comment_renders, settings, backend
):
    if backend == "database":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "civic_cache",
            }
        }
        call_command("createcachetable", verbosity=0)
    comments = [make_comment(topic, author=neighbour, body=f"c{n}") for n in range(5)]
    first = page_html(topic, resident)
    assert len(comment_renders) == 5
    assert page_html(topic, resident) == first
    assert len(comment_renders) == 5  # all from the cache
    actions.edit_comment(comments[0], neighbour, "changed")
    assert "changed" in page_html(topic, resident)
    assert len(comment_renders) == 6  # only the edited one again


def test_what_a_viewer_may_do_is_part_of_the_fragment(topic, resident, neighbour):
    make_comment(topic, author=neighbour, body="hello")
    assert ">Flag<" in page_html(topic, resident)
    assert ">Edit<" in page_html(topic, neighbour) and ">Flag<" not in page_html(topic, neighbour)


def test_a_comments_links_follow_the_sites_script_prefix(topic, resident, neighbour):
    before = get_script_prefix()
    try:
        set_script_prefix("/city/")
        under_prefix = make_comment(topic, author=neighbour, body="under a prefix")
        html = page_html(topic, resident)
        assert f'"/city/community/comments/{under_prefix.pk}/reply/"' in html
        set_script_prefix("/")
        at_root = make_comment(topic, author=neighbour, body="at the root")
        html = page_html(topic, resident)
        assert f'"/community/comments/{at_root.pk}/reply/"' in html
        assert f"/city/community/comments/{at_root.pk}/" not in html
    finally:
        set_script_prefix(before)


def test_a_comments_words_follow_the_language_it_is_rendered_in(topic, resident, neighbour):
    from django.utils import translation

    make_comment(topic, author=neighbour, body="hola")
    for language, words in (("en", (">Flag<", ">Reply<")), ("es", (">Denunciar<", ">Responder<"))):
        with translation.override(language):
            html = page_html(topic, resident)
        assert all(word in html for word in words), language
    with translation.override("en"):
        assert ">Denunciar<" not in page_html(topic, resident)
