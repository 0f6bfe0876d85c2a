"""The Content-Security-Policy: sent on every page, strict, and the templates need nothing more."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import make_report

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/reports/", "/reports/?view=map", "/community/", "/accounts/login/"]
)
def test_pages_send_a_strict_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header


@pytest.mark.django_db
def test_map_tiles_host_is_allowed_for_images_only(client):
    directives = policy(client.get("/"))
    assert "https://tile.openstreetmap.org" in directives["img-src"]
    assert directives["connect-src"] == ["'self'"]


@pytest.mark.django_db
def test_admin_sends_the_same_policy(admin_client):
    response = admin_client.get("/admin/reports/report/")
    assert response.status_code == 200
    assert policy(response)["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_a_map_page_carries_its_settings_as_data_not_script(client):
    report = make_report()
    body = client.get(report.get_absolute_url()).content.decode()
    assert '<script id="map-config" type="application/json">' in body
    assert "/static/vendor/leaflet/leaflet.js" in body
    assert "/static/js/map.js" in body
    assert "{#" not in body and "{% " not in body  # no template comment leaks into the page
    assert 'id="report-map"' in body and "data-map " in body
    # Every <script> either loads a file or is a JSON data block.
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in tag or 'type="application/json"' in tag, tag


# Markup the policy would block: inline code, handlers, inline styles, javascript: URLs, and
# htmx features that need eval (hx-on, conditions in hx-trigger, js: values).
FORBIDDEN = {
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "hx-on": re.compile(r"\shx-on", re.I),
    "hx-trigger condition": re.compile(r'hx-trigger="[^"]*\[', re.I),
    "js: value": re.compile(r"hx-(vals|headers)=\S*js:", re.I),
}


def test_templates_hold_no_markup_the_policy_blocks():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.relative_to(TEMPLATES).parts[0] == "emails":
            continue  # read in mail clients, never under the site's policy
        text = path.read_text()
        for name, pattern in FORBIDDEN.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {name}")
    assert found == []


def test_htmx_is_configured_without_eval():
    base = (TEMPLATES / "base.html").read_text()
    meta = base.index('<meta name="htmx-config"')
    assert '"allowEval": false' in base[meta : base.index(">", meta)]
    assert '"includeIndicatorStyles": false' in base[meta : base.index(">", meta)]
    assert meta < base.index("{% htmx_script %}")


def test_image_hosts_follow_the_tiles_and_photo_storage_settings(tmp_path):
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(' '.join(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=TEMPLATES.parent,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "civic.settings",
            "DATA_DIR": str(tmp_path),
            "MAP_TILES_URL": "https://{s}.tiles.example.net/{z}/{x}/{y}.png",
            "AWS_S3_CUSTOM_DOMAIN": "photos.example.org",
            "CSP_IMG_SRC": "https://cdn.example.com/images/",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "'self'",
        "blob:",
        "https://*.tiles.example.net",
        "https://photos.example.org",
        "https://cdn.example.com",
    ]
