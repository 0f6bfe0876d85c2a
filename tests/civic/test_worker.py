from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import use_migrated

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.own_database  # always SQLite: once per suite
def test_worker_loop_stops_cleanly_on_sigterm(tmp_path, migrated_sqlite):
    env = {**os.environ, "DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    use_migrated(migrated_sqlite, tmp_path)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "work", "--interval", "30"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Wait until it is idle in its loop, then ask it to stop.
    assert worker.stdout.readline().startswith("Worker started")
    time.sleep(0.5)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=10) == 0
    assert "Traceback" not in worker.stderr.read()
