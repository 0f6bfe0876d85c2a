"""The installable app: manifest, icons and the service worker served from the site root."""

from __future__ import annotations

from django.contrib.staticfiles import finders


def test_manifest_names_the_app_and_its_icons(client, db):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = response.json()
    assert data["start_url"] == "/" and data["display"] == "standalone"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/"))


def test_service_worker_is_served_at_the_root_with_the_whole_site_as_scope(client, db):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert '"/reports/new/"' in body and '"/static/css/site.css"' in body
    assert "__VERSION__" not in body


def test_every_page_links_the_manifest_favicon_and_worker(client, db):
    html = client.get("/").content.decode()

    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert "pwa/favicon-32.png" in html
    assert 'data-sw-url="/sw.js"' in html
