from __future__ import annotations


def test_home_page_renders_in_a_browser(live_server, page, screenshot, db):
    page.goto(live_server.url + "/")
    assert page.title()
    screenshot("smoke-home")
