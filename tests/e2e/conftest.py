"""Browser tests: Playwright driving the system's Chromium against live_server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Debian's build of the headless shell, as Playwright runs headless by default: the same
# engine as the full browser at about half the CPU. CIVIC_CHROMIUM=/usr/bin/chromium for that.
CHROMIUM = os.environ.get("CIVIC_CHROMIUM", "/usr/bin/chromium-headless-shell")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def screenshot(page):
    """screenshot("name") saves test-artifacts/<name>.png of the current page."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str, full_page: bool = True) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture(autouse=True)
def _block_external_tiles(page):
    # Offline: tile requests would hang until timeout; answer them empty at once.
    page.route("https://**/*", lambda route: route.fulfill(status=204, body=""))
    yield
