from __future__ import annotations

from civic_site.management.commands.up import Command


def test_site_url_follows_host_and_port_when_not_given(monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)
    assert Command.site_url("127.0.0.1", 8101) == "http://127.0.0.1:8101"
    assert Command.site_url("0.0.0.0", 8102) == "http://127.0.0.1:8102"


def test_site_url_given_in_the_environment_wins(monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://civic.example.org/")
    assert Command.site_url("0.0.0.0", 8101) == "https://civic.example.org"
