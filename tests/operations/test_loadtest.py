"""The load-and-fault run's own smoke test, at tiny size (the full run is `scripts/loadtest.py`)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.own_database


def test_load_and_fault_run_at_tiny_size_loses_nothing_and_sends_once(tmp_path):
    result = subprocess.run(
        # The p99 target is for 200 clients on an idle machine; a busy test run only checks
        # correctness here, with every client writing so that each kind of write is exercised.
        [
            sys.executable,
            "scripts/loadtest.py",
            "--clients",
            "10",
            "--duration",
            "5",
            "--p99",
            "30",
            "--residents",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path)},
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "killed gunicorn worker" in out and "restarted the delivery worker" in out
    assert re.search(r"^requests: [1-9]\d*", out, re.M)
    for line in (
        "lost acknowledged writes: 0",
        "double emails: 0",
        "double deliveries: 0",
        "emails never received: 0",
        '"database is locked" in the logs: 0',
        "targets: all met",
    ):
        assert line in out, out
    assert "HTTP 5" not in out
    assert "SMTP server refuses mail" in out and "SMTP server accepts mail again" in out
