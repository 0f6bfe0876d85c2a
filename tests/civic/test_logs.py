"""One JSON line per request when LOG_FORMAT=json."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from civic.logs import JsonFormatter

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_each_request_is_logged_with_status_and_duration(client, resident, caplog):
    client.force_login(resident)
    with caplog.at_level(logging.INFO, logger="civic.request"):
        client.get("/reports/")
        client.get("/no-such-page/")
    records = [r for r in caplog.records if r.name == "civic.request"]
    assert [(r.method, r.path, r.status) for r in records] == [
        ("GET", "/reports/", 200),
        ("GET", "/no-such-page/", 404),
    ]
    assert all(r.duration_ms >= 0 for r in records)
    assert records[0].user_id == resident.pk
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["status"] == 200 and line["path"] == "/reports/" and line["level"] == "INFO"
    assert isinstance(line["duration_ms"], float)


def test_log_format_json_configures_json_lines(tmp_path):
    code = (
        "import django, logging; django.setup();"
        "logging.getLogger('civic.request').info('GET / 200', extra={'status': 200})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "civic.settings",
            "DATA_DIR": str(tmp_path),
            "LOG_FORMAT": "json",
        },
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["logger"], line["message"], line["status"]) == ("civic.request", "GET / 200", 200)
