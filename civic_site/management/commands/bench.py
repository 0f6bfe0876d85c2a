"""Measure throughput as users feel it, on big data, and print one table.

Run it through `make bench`, which points DATA_DIR at a bench folder (never the
user's data) and turns DEBUG off. For each size in --reports it builds a data set
in its own database (DATA_DIR/<size>/), serves it with gunicorn as in production,
serves a bare Django "hello" site with the same flags, and drives every endpoint
with wrk for a fixed time, a hello run before each endpoint and idle gaps between
runs, so that each endpoint's throughput is a ratio to the machine's own ceiling
measured in the same run. It then prints how each ratio changes with size, the
sequential latencies, and the cost of a 12-megapixel photo; the table is written
as JSON and Markdown beside the data.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from civic_site.benchmark import bare, export, wrk
from civic_site.benchmark.endpoints import (
    GUNICORN_FLAGS,
    PHOTO_SCRIPT,
    PHOTOS_SCRIPT,
    UNLIMITED,
    Endpoint,
    Result,
    endpoints,
)


class Command(BaseCommand):
    help = "Seed big data, serve it with gunicorn, drive every endpoint with wrk, print ratios."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reports",
            default="10000,100000",
            help="Comma-separated data sizes (e.g. 10000,100000 or 1000000).",
        )
        parser.add_argument("--comments", type=int, default=500)
        parser.add_argument("--seconds", type=int, default=10, help="Length of each wrk run.")
        parser.add_argument("--connections", type=int, default=32)
        parser.add_argument("--gap", type=float, default=3.0, help="Idle seconds between runs.")
        parser.add_argument("--runs", type=int, default=1, help="wrk runs per endpoint.")
        parser.add_argument(
            "--warmup",
            type=int,
            default=2,
            help="Seconds of the warm-up run before each endpoint's runs (0: none).",
        )
        parser.add_argument("--requests", type=int, default=100, help="Sequential requests.")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--alerts", type=int, default=10_000, help="Area alerts for the matching run."
        )
        parser.add_argument(
            "--only",
            default="",
            help="Run only endpoints whose label has one of these comma-separated words.",
        )
        parser.add_argument("--prepare", action="store_true", help="(internal) build one data set.")

    def handle(self, *args, **options) -> None:
        if settings.DEBUG:
            raise CommandError("Run with DEBUG=false (use `make bench`).")
        if options["prepare"]:
            return self.prepare(options)
        sizes = [int(s) for s in str(options["reports"]).split(",") if s.strip()]
        base = Path(settings.DATA_DIR)
        call_command("collectstatic", interactive=False, verbosity=0)
        wrk.ensure_wrk()
        results: dict[int, list[Result]] = {}
        self.baselines: dict[int, dict] = {}
        for size in sizes:
            results[size] = self.measure_size(size, base / str(size), options)
        self.compare(results)
        self.write(results, base)
        export.report(self.stdout, base, sizes, self.env)
        self.photo()

    # The data set, in a child process whose settings point at the size's own folder.
    def prepare(self, options: dict) -> None:
        from civic_site.benchmark import data

        info = data.prepare(int(options["reports"]), options["comments"], options["alerts"])
        data.write(info, Path(settings.DATA_DIR))

    def env(self, folder: Path) -> dict[str, str]:
        return {**os.environ, "DATA_DIR": str(folder), "RATE_LIMITS": UNLIMITED}

    def measure_size(self, size: int, folder: Path, options: dict) -> list[Result]:
        folder.mkdir(parents=True, exist_ok=True)
        self.stdout.write(self.style.MIGRATE_HEADING(f"\n{size:,} reports ({folder})"))
        started = time.perf_counter()
        restored = _restore(folder)
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "bench",
                "--prepare",
                f"--reports={size}",
                f"--comments={options['comments']}",
                f"--alerts={options['alerts']}",
            ],
            env=self.env(folder),
            cwd=settings.BASE_DIR,
            check=True,
        )
        if not restored:
            _snapshot(folder)
        info = json.loads((folder / "bench.json").read_text())
        self.stdout.write(
            f"  data ready in {time.perf_counter() - started:.0f} s"
            f"{' (as prepared before: the writes of earlier runs are gone)' if restored else ''}"
            f": {info['reports']:,} reports, "
            f"{info['services']} services, a thread of {info['comments']} comments"
        )
        if info.get("alert_run"):
            run = info["alert_run"]
            self.stdout.write(
                f"  alert run: {run['alerts']:,} alerts against {run['reports']} new reports in "
                f"{run['seconds']:.2f} s, {run['queries']} queries, {run['matches']:,} matches"
            )
        port, hello_port, bare_port = options["port"], options["port"] + 1, options["port"] + 2
        civic = self.serve(["civic.wsgi"], port, self.env(folder))
        hello = self.serve(
            ["civic_site.benchmark.hello:application"], hello_port, os.environ.copy()
        )
        folder_of_bare = bare.make()
        plain = self.serve(
            [f"{bare.NAME}.wsgi"],
            bare_port,
            {**os.environ, "DJANGO_SETTINGS_MODULE": f"{bare.NAME}.settings"},
            cwd=folder_of_bare,
        )
        try:
            floor = self.baseline(size, hello_port, bare_port, options)
            words = [w.strip() for w in options["only"].split(",") if w.strip()] or [""]
            chosen = [e for e in endpoints(info) if any(w in e.label for w in words)]
            results = [self.drive(e, port, hello_port, options, floor) for e in chosen]
            self.table(size, results)
            self.latency(port, chosen, options["requests"])
        finally:
            for process in (civic, hello, plain):
                process.terminate()
                process.wait(timeout=20)
            shutil.rmtree(folder_of_bare, ignore_errors=True)
        return results

    def baseline(self, size: int, hello_port: int, bare_port: int, options: dict) -> float:
        """The hello site and a bare startproject, in turns, twice each: they must agree
        (the same settings and middleware); their median is the least any ratio is
        divided by, so a hello run that dips does not inflate the endpoint after it.

        Measured once the servers have settled (three gunicorn masters have just
        started their workers, which import and warm up on the same cores); a round
        whose two sites disagree is measured again, up to three rounds."""
        time.sleep(max(options["gap"], 3.0))
        for attempt in range(1, 4):
            figures: dict[str, list[float]] = {"hello": [], "bare startproject": []}
            for _ in range(2):
                for name, at in (("hello", hello_port), ("bare startproject", bare_port)):
                    run = wrk.run(
                        f"http://127.0.0.1:{at}/",
                        seconds=options["seconds"],
                        connections=options["connections"],
                    )
                    figures[name].append(run.requests_per_s)
                    time.sleep(options["gap"])
            hello, plain = (statistics.median(figures[name]) for name in figures)
            gap = abs(hello - plain) / max(hello, plain, 1)
            verdict = "they match" if gap <= 0.15 else "THEY DIFFER: the machine is busy"
            self.stdout.write(
                f"  baseline: hello {hello:,.0f} req/s, bare startproject {plain:,.0f} req/s "
                f"(same flags; {gap:.0%} apart: {verdict})"
            )
            if gap <= 0.15:
                break
            time.sleep(options["gap"] * attempt)
        floor = statistics.median(figures["hello"] + figures["bare startproject"])
        self.baselines[size] = {
            "hello": figures["hello"],
            "bare_startproject": figures["bare startproject"],
            "floor": floor,
        }
        return floor

    def serve(self, app: list[str], port: int, env: dict, cwd=None) -> subprocess.Popen:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                *app,
                "--bind",
                f"127.0.0.1:{port}",
                *GUNICORN_FLAGS,
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=cwd or settings.BASE_DIR,
        )
        for _ in range(150):
            try:
                self.get(port, "/")
                return process
            except OSError:
                time.sleep(0.2)
        process.terminate()
        raise CommandError(f"gunicorn did not start on port {port}")

    @staticmethod
    def get(port: int, path: str, headers: dict | None = None, conn=None):
        conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = conn.getresponse()
        body = response.read()
        if response.getheader("Content-Encoding") == "gzip":
            # The size that counts is the document's, not what gzip makes of it.
            body = gzip.decompress(body)
        return response.status, body

    def drive(
        self, endpoint: Endpoint, port: int, hello_port: int, options: dict, floor: float
    ) -> Result:
        seconds, gap = options["seconds"], options["gap"]
        headers = {"Accept-Encoding": "gzip", **endpoint.headers}
        status, size = 0, 0.0
        if endpoint.body is None:
            status, body = self.get(port, endpoint.path, headers)
            size = len(body) / 1024
        if options["warmup"] > 0:
            # Warm every worker and thread (connections, caches, a write's statements)
            # with a short run first, a POST's too (its rows are like the run's): the
            # figures are for a server that has been up a while, not one starting.
            wrk.run(
                f"http://127.0.0.1:{port}{endpoint.path}",
                seconds=min(options["warmup"], seconds),
                connections=options["connections"],
                headers=headers,
                body=endpoint.body,
            )
            time.sleep(gap)
        runs, hello = [], []
        for _ in range(options["runs"]):
            hello_run = wrk.run(
                f"http://127.0.0.1:{hello_port}/",
                seconds=seconds,
                connections=options["connections"],
            )
            hello.append(hello_run.requests_per_s)
            time.sleep(gap)
            runs.append(
                wrk.run(
                    f"http://127.0.0.1:{port}{endpoint.path}",
                    seconds=seconds,
                    connections=options["connections"],
                    headers=headers,
                    body=endpoint.body,
                )
            )
            time.sleep(gap)
        result = Result(endpoint, runs, hello, size, status, floor)
        self.stdout.write(
            f"  {endpoint.label:44} {result.median('requests_per_s'):>8,.0f} req/s  "
            f"ratio {result.ratio:.3f}  {result.verdict}"
        )
        return result

    def table(self, size: int, results: list[Result]) -> None:
        self.stdout.write(f"\n{self.markdown(size, results)}\n{self.baseline_line(size)}")

    def baseline_line(self, size: int) -> str:
        known = self.baselines.get(size)
        if not known:
            return ""
        hello = statistics.median(known["hello"])
        plain = statistics.median(known["bare_startproject"])
        return (
            f"\nBaseline: hello {hello:,.0f} req/s, bare startproject {plain:,.0f} req/s "
            f"(same gunicorn flags, in turns before the endpoints); each ratio divides by "
            f"the higher of the hello run just before it and {known['floor']:,.0f}."
        )

    @staticmethod
    def markdown(size: int, results: list[Result]) -> str:
        lines = [
            f"#### {size:,} reports (wrk -t2 -c32, gunicorn {' '.join(GUNICORN_FLAGS)}, DEBUG off)",
            "",
            "| endpoint | req/s | p50 ms | p99 ms | non-2xx | KB | hello req/s | ratio | target "
            "| verdict |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in results:
            d = r.as_dict()
            target = f"≥ {d['target']:.2f}" if d["target"] is not None else ""
            size_kb = f"{d['size_kb']:.0f}" if d["size_kb"] else ""
            lines.append(
                f"| {d['endpoint']} | {d['requests_per_s']:,.0f} | {d['p50_ms']:.1f} "
                f"| {d['p99_ms']:.1f} | {d['non_2xx_3xx'] + d['socket_errors']} | {size_kb} "
                f"| {d['hello_requests_per_s']:,.0f} | {d['ratio']:.3f} | {target} "
                f"| {d['verdict']} |"
            )
        return "\n".join(lines)

    def latency(self, port: int, chosen: list[Endpoint], n: int) -> None:
        if n <= 0:
            return
        self.stdout.write(f"\nSequential latency, {n} requests each, one client:")
        for endpoint in chosen:
            if endpoint.body is not None:
                continue
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            samples = []
            for _ in range(n):
                start = time.perf_counter()
                self.get(port, endpoint.path, endpoint.headers, conn)
                samples.append((time.perf_counter() - start) * 1000)
            p95 = statistics.quantiles(samples, n=20)[18] if n >= 20 else max(samples)
            self.stdout.write(
                f"  {endpoint.label:44} median {statistics.median(samples):7.1f} ms"
                f"   p95 {p95:7.1f} ms"
            )

    def compare(self, results: dict[int, list[Result]]) -> None:
        if len(results) < 2:
            return
        small, large = min(results), max(results)
        self.stdout.write(
            f"\nHow each ratio changes from {small:,} to {large:,} reports "
            "(target: the larger at least 0.8x the smaller):"
        )
        before = {r.endpoint.label: r.ratio for r in results[small]}
        for r in results[large]:
            if before.get(r.endpoint.label):
                change = r.ratio / before[r.endpoint.label]
                verdict = "ok" if change >= 0.8 else "FALLS"
                if r.endpoint.grows_with_data:
                    verdict = "(its answer grows with the data: no target)"
                self.stdout.write(
                    f"  {r.endpoint.label:44} {before[r.endpoint.label]:.3f} → {r.ratio:.3f}"
                    f"  x{change:.2f}  {verdict}"
                )

    def write(self, results: dict[int, list[Result]], base: Path) -> None:
        data = {str(size): [r.as_dict() for r in rs] for size, rs in results.items()}
        (base / "results.json").write_text(json.dumps(data, indent=2))
        (base / "results.md").write_text(
            "\n\n".join(
                self.markdown(size, rs) + "\n" + self.baseline_line(size)
                for size, rs in results.items()
            )
            + "\n"
        )
        (base / "baseline.json").write_text(json.dumps(self.baselines, indent=2))
        self.stdout.write(f"\nWritten: {base / 'results.json'} and {base / 'results.md'}")

    def photo(self) -> None:
        result = subprocess.run(
            [sys.executable, "-c", PHOTO_SCRIPT],
            capture_output=True,
            text=True,
            env=os.environ.copy(),
            check=True,
            cwd=settings.BASE_DIR,
        )
        size, elapsed, before, after, width, height = result.stdout.split()
        self.stdout.write(
            "\n12-megapixel photo (4000x3000 JPEG, "
            f"{int(size) / 1e6:.1f} MB, rotated by EXIF) → {width}x{height}: "
            f"{float(elapsed):.2f} s (budget < 1.5 s), peak memory of the process "
            f"{int(after) / 1024:.0f} MB, {max(0, int(after) - int(before)) / 1024:.0f} MB of it "
            "for processing (budget < 300 MB)"
        )
        result = subprocess.run(
            [sys.executable, "-c", PHOTOS_SCRIPT],
            capture_output=True,
            text=True,
            env=os.environ.copy(),
            check=True,
            cwd=settings.BASE_DIR,
        )
        count, elapsed, before, after = result.stdout.split()
        self.stdout.write(
            f"{count} photos of 12 megapixels in one request: {float(elapsed):.2f} s, "
            f"peak memory of the process {int(after) / 1024:.0f} MB, "
            f"{max(0, int(after) - int(before)) / 1024:.0f} MB of it for processing "
            "(budget < 300 MB: processed one at a time)"
        )


# The POST runs write thousands of reports, comments and tasks, and each run would start
# from a bigger database than the last: every run starts from the data as first prepared.
SNAPSHOT = "prepared.sqlite3"


def _snapshot(folder: Path) -> None:
    with (
        sqlite3.connect(folder / "civic.sqlite3") as source,
        sqlite3.connect(folder / SNAPSHOT) as copy,
    ):
        source.backup(copy)


def _restore(folder: Path) -> bool:
    snapshot = folder / SNAPSHOT
    if not snapshot.exists():
        return False
    for suffix in ("-wal", "-shm"):
        (folder / f"civic.sqlite3{suffix}").unlink(missing_ok=True)
    shutil.copyfile(snapshot, folder / "civic.sqlite3")
    return True
