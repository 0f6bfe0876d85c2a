"""Comment fragments are rendered once per version and reused, with either cache."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import get_script_prefix, set_script_prefix

from discussions import actions
from discussions.queries import discussion_context
from tests.factories import make_comment


@pytest.fixture
def comment_renders(monkeypatch):
    """Each comment article built rather than found among the kept fragments."""
    from discussions import rendering

    built: list[int] = []
    build = rendering._build_article

    def counted(comment, *args):
        built.append(comment.pk)
        return build(comment, *args)

    monkeypatch.setattr(rendering, "_build_article", counted)
    return built


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


def test_a_plain_comment_filled_into_its_stencil_is_the_template_rendered_for_it(
    topic, resident, neighbour
):
    """Byte for byte, for every shape a plain comment takes: its author's and another
    resident's, a moderator's and a visitor's view, official or not, naming whom it
    replies to or not, in each language and under a script prefix; names and bodies
    that need escaping, or that look like slots themselves."""
    from datetime import timedelta

    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import get_template
    from django.utils import timezone, translation

    from civic.models import Profile
    from discussions import rendering

    Profile.objects.update_or_create(
        user=neighbour, defaults={"display_name": "Ann <b>\"&' civic-slot:body:"}
    )
    neighbour.refresh_from_db()
    top = make_comment(topic, author=neighbour, body="First **words** civic-slot:pk: & <i>x</i>")
    reply = make_comment(topic, author=resident, body="An answer", reply_to=top)
    past_depth = make_comment(topic, author=resident, body="Past the depth limit", reply_to=reply)
    past_depth.parent_id = None  # as a reply past the depth limit hangs: it names whom it answers
    official = make_comment(topic, author=resident, body="From the council")
    official.is_official = True
    now = timezone.now() + timedelta(minutes=3)
    viewers = [
        rendering.Viewer(user=neighbour, can_post=True, can_moderate=False, now=now),
        rendering.Viewer(user=resident, can_post=True, can_moderate=False, now=now),
        rendering.Viewer(user=resident, can_post=True, can_moderate=True, now=now),
        rendering.Viewer(user=AnonymousUser(), can_post=False, can_moderate=False, now=now),
        rendering.Viewer(
            user=resident,
            can_post=True,
            can_moderate=False,
            now=now,
            anonymous_author_id=resident.pk,
        ),
    ]
    template = get_template(rendering.COMMENT_TEMPLATE)
    before = get_script_prefix()
    seen_shapes = set()
    try:
        for prefix in ("/", "/city/"):
            set_script_prefix(prefix)
            for language in ("en", "es"):
                with translation.override(language):
                    for viewer in viewers:
                        for comment in (top, reply, past_depth, official):
                            assert rendering._is_plain(comment)
                            perms = rendering.permissions(comment, viewer)
                            context = rendering._article_context(
                                comment, perms, rendering._Urls(), rendering._labels(), viewer
                            )
                            assert set(rendering._article_values(comment, viewer)) == set(
                                rendering._VALUES
                            )
                            expected = template.render(context)
                            assert (
                                rendering._from_stencil(
                                    comment, perms, rendering._Urls(), language, viewer
                                )
                                == expected
                            )
                            seen_shapes.add((tuple(perms.values()), comment.is_official))
    finally:
        set_script_prefix(before)
    assert len(seen_shapes) >= 6  # the matrix did reach many shapes


def test_deleted_hidden_and_edited_comments_take_the_template(topic, resident, neighbour, staff):
    """Each keeps what only the template shows: no stencil stands in for them."""
    from discussions import rendering

    deleted = make_comment(topic, author=neighbour, body="to be deleted")
    hidden = make_comment(topic, author=neighbour, body="to be hidden")
    edited = make_comment(topic, author=neighbour, body="to be edited")
    actions.delete_comment(deleted, neighbour)
    actions.set_hidden(hidden, by=staff, hidden=True, reason="off topic")
    actions.edit_comment(edited, neighbour, "edited now")
    for comment in (deleted, hidden, edited):
        comment.refresh_from_db()
        assert not rendering._is_plain(comment)
    html = page_html(topic, resident)
    assert f'class="comment is-deleted" id="comment-{deleted.pk}"' in html
    assert "to be deleted" not in html
    assert f'class="comment is-hidden" id="comment-{hidden.pk}"' in html
    assert "Hidden by a moderator: off topic" in html and "to be hidden" not in html
    assert 'class="comment-edited"' in html and "edited now" in html


def test_an_edited_template_renews_the_stencils_in_the_development_server(topic, neighbour):
    from pathlib import Path

    from django.utils.autoreload import file_changed

    from discussions import rendering

    make_comment(topic, author=neighbour, body="kept")
    page_html(topic, neighbour)
    assert rendering._stencil.cache_info().currsize > 0
    file_changed.send(sender=None, file_path=Path("templates/notes.txt"))
    assert rendering._stencil.cache_info().currsize > 0
    file_changed.send(sender=None, file_path=Path("templates/discussions/partials/comment.html"))
    assert rendering._stencil.cache_info().currsize == 0
