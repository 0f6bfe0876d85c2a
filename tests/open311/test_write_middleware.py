"""Open311 writes are answered before sessions (open311/middleware.py)."""

from __future__ import annotations

from django.test import Client

from reports.models import Report
from tests.open311.conftest import API


def test_a_post_reaches_the_view_without_session_or_user_and_keeps_the_stack_headers(
    client, full_service, valid_post, resident
):
    # A signed-in browser posting with its cookies: the key is what counts, not the session.
    client.force_login(resident)
    response = client.post(f"{API}/requests.json", valid_post, HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 200
    assert Report.objects.get().api_key is not None
    request = response.wsgi_request
    assert not hasattr(request, "session")
    assert not hasattr(request, "user")
    assert not response.cookies  # no session or CSRF cookie set or renewed
    assert "Cookie" not in response.get("Vary", "")
    # What the stack would add: the clickjacking header before, security headers after.
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Language"] == "en"


def test_api_errors_and_updates_posts_are_answered_early_too(client, full_service, raw_key):
    missing = client.post(f"{API}/requests.json", {"service_code": "pothole"})
    assert missing.status_code == 403
    assert not hasattr(missing.wsgi_request, "session")

    update = client.post(f"{API}/servicerequestupdates.json", {"api_key": raw_key})
    assert update.status_code in (400, 403, 404)
    assert not hasattr(update.wsgi_request, "session")

    wrong_method = client.put(f"{API}/services.json")
    assert wrong_method.status_code == 405
    assert wrong_method.json()[0]["code"] == 405


def test_gets_and_the_pages_beside_the_api_take_the_whole_stack(client, full_service):
    # Reads are kept answers (civic/kept.py) or built through the stack as before.
    read = client.get(f"{API}/services.json")
    assert read.status_code == 200
    assert hasattr(read.wsgi_request, "session")

    # A path under the API that is no API view (the catch-all) keeps the stack.
    unknown = client.post(f"{API}/nothing-here.json")
    assert unknown.status_code == 404
    assert hasattr(unknown.wsgi_request, "session")

    # The developers' page is a page: a POST to it without a CSRF token is refused.
    checked = Client(enforce_csrf_checks=True)
    page = checked.post("/open311/")
    assert page.status_code == 403
