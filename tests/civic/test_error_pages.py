"""Error pages in the site's style, never a traceback with DEBUG off."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client


@pytest.fixture
def site(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.civic.errors_urls"
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_a_missing_page_answers_404_in_the_sites_style(site):
    response = site.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We cannot find that page" in html
    assert 'class="site-header"' in html and "Go to the home page" in html


@pytest.mark.django_db
def test_a_server_error_answers_500_without_a_traceback(site):
    response = site.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "Traceback" not in html and "secret detail" not in html
    assert "ZeroDivisionError" not in html


@pytest.mark.django_db
def test_a_refusal_answers_403_and_offers_to_sign_in(site):
    response = site.get("/forbidden/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "You cannot do that here" in html and "Sign in" in html


def test_the_429_page_asks_to_slow_down(rf):
    html = render_to_string("429.html", request=rf.get("/"))
    assert "Please slow down" in html and "Go to the home page" in html
