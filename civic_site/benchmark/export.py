"""The open data download at size: time and peak memory of a CSV export of every report.

The export runs in a child process of its own (the view, called as a request would call
it, its streamed body read to the end), so that the process's peak resident memory
(ru_maxrss) is the export's and nothing else's; the figure to watch is how much it rises
over the process's baseline, which must not grow with the number of reports.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

SCRIPT = textwrap.dedent(
    """
    import resource, time, django
    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory
    from accountability.export_views import export_csv
    from reports.models import Report
    count = Report.objects.visible().count()
    request = RequestFactory().get("/reports/export.csv", REMOTE_ADDR="192.0.2.1")
    request.user = AnonymousUser()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    response = export_csv(request)
    size = sum(len(chunk) for chunk in response.streaming_content)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(response.status_code, count, size, elapsed, before, after)
    """
)


def measure(folder: Path, env: dict[str, str]) -> dict:
    """One CSV export of the data set in `folder`: seconds, bytes and memory (KB)."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=settings.BASE_DIR,
    )
    status, count, size, elapsed, before, after = result.stdout.split()
    return {
        "status": int(status),
        "reports": int(count),
        "bytes": int(size),
        "seconds": round(float(elapsed), 3),
        "baseline_kb": int(before),
        "peak_kb": int(after),
        "rise_kb": max(0, int(after) - int(before)),
    }


def line(figures: dict) -> str:
    return (
        f"CSV export of {figures['reports']:,} reports: {figures['seconds']:.2f} s, "
        f"{figures['bytes'] / 1e6:.1f} MB streamed, peak memory of the process "
        f"{figures['peak_kb'] / 1024:.0f} MB, {figures['rise_kb'] / 1024:.1f} MB of it "
        "for the export (streamed: must not grow with the reports)"
    )


def report(stdout, base: Path, sizes: list[int], env: Callable[[Path], dict]) -> None:
    """Measure each size's data set, print a line each, and write export.json and a
    section of results.md beside the throughput table."""
    figures = {str(size): measure(base / str(size), env(base / str(size))) for size in sizes}
    lines = [line(f) for f in figures.values()]
    stdout.write("\n" + "\n".join(lines))
    (base / "export.json").write_text(json.dumps(figures, indent=2))
    with (base / "results.md").open("a") as md:
        md.write("\n#### Open data export\n\n" + "\n".join(f"- {text}" for text in lines) + "\n")
