"""The benchmark command at a tiny size, so that it never rots.

It checks that every endpoint of the table is served without errors by gunicorn
and driven by wrk, and that the table is written; the figures themselves are for
`make bench`, not for a unit test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import use_migrated

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the benchmark builds its own SQLite databases; once per suite is enough",
)


def test_bench_prints_and_writes_the_table_at_a_tiny_size(tmp_path: Path, migrated_sqlite):
    use_migrated(migrated_sqlite, tmp_path / "60")  # the size's own folder: migrating is a no-op
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": "bench-smoke-only-not-a-secret-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "TESTING": "",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bench",
            # One size: how ratios change between sizes is checked below, without wrk.
            "--reports=60",
            "--comments=12",
            "--seconds=1",
            "--connections=4",
            "--gap=0",
            "--warmup=0",
            "--requests=3",
            "--alerts=50",
            "--port=18765",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "alert run: 50 alerts against" in result.stdout
    # The hello baseline beside a bare startproject site served the same way.
    assert re.search(r"baseline: hello [\d,]+ req/s, bare startproject [\d,]+ req/s", result.stdout)
    baseline = json.loads((tmp_path / "baseline.json").read_text())["60"]
    assert len(baseline["hello"]) == len(baseline["bare_startproject"]) == 2
    assert min(baseline["bare_startproject"]) > 0
    # One line per size (the count is of the visible reports the seed made).
    assert len(re.findall(r"CSV export of [\d,]+ reports: [\d.]+ s", result.stdout)) == 1
    assert set(json.loads((tmp_path / "export.json").read_text())) == {"60"}
    table = json.loads((tmp_path / "results.json").read_text())
    assert set(table) == {"60"}
    rows = table["60"]
    labels = {row["endpoint"] for row in rows}
    assert {
        "Open311 services.json",
        "empty live poll",
        "home page",
        "home page, signed in",
        "report list, signed in",
        "community list, signed in",
        "stats page",
        "new-report POST (signed in)",
        "comment POST (signed in)",
        "Open311 POST requests.json",
    } <= labels
    for row in rows:
        assert row["requests_per_s"] > 0, row
        assert row["non_2xx_3xx"] == 0, row
        assert row["hello_requests_per_s"] > 0, row
    assert "| endpoint | req/s |" in (tmp_path / "results.md").read_text()


def test_ratios_are_compared_between_sizes_and_a_fall_is_called_out():
    from io import StringIO

    from civic_site.benchmark.wrk import Run
    from civic_site.management.commands.bench import Command, Endpoint, Result

    def result(label: str, rate: float) -> Result:
        run = Run(rate, 10.0, 30.0, int(rate), 0, 0)
        endpoint = Endpoint(label, "/", grows_with_data=label == "CSV export")
        return Result(endpoint, [run], [1000.0], 1.0, 200)

    command = Command(stdout=StringIO())
    command.compare(
        {
            10_000: [
                result("home page", 500),
                result("report list", 400),
                result("CSV export", 10),
            ],
            100_000: [
                result("home page", 450),
                result("report list", 200),
                result("CSV export", 1),
            ],
        }
    )
    out = command.stdout.getvalue()
    assert "How each ratio changes from 10,000 to 100,000 reports" in out
    assert re.search(r"home page\s+0\.500 → 0\.450\s+x0\.90\s+ok", out)
    assert re.search(r"report list\s+0\.400 → 0\.200\s+x0\.50\s+FALLS", out)
    # An answer with every report cannot keep its ratio as the reports grow.
    assert re.search(r"CSV export\s+0\.010 → 0\.001\s+x0\.10\s+\(its answer grows", out)


def test_wrk_latencies_over_a_second_are_read():
    # wrk pads "s" latencies with a trailing space; they were read as 0 before.
    from civic_site.benchmark.wrk import parse

    output = (
        "  Latency Distribution\n     50%  695.30ms\n     75%    1.10s \n     90%    1.50s \n"
        "     99%    2.00s \n  193 requests in 4.02s, 1.2MB read\nRequests/sec:     47.93\n"
    )
    run = parse(output)
    assert (run.p50_ms, run.p99_ms, run.requests) == (695.3, 2000.0, 193)
