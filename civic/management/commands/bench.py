"""Measure the budgets of DESIGN.md on big data and print the figures.

Run it through `make bench`, which points DATA_DIR at a separate bench folder
and turns DEBUG off. It tops the database up to --reports reports, gives the
newest report a thread of --comments comments, serves the site with gunicorn
and times the pages, the Open311 list, the empty live poll and the map data;
then it times processing a 12-megapixel photo in a fresh process.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import textwrap
import threading
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from discussions.actions import post_comment
from reports.models import Report

PHOTO_SCRIPT = textwrap.dedent(
    """
    import io, resource, time, django
    django.setup()
    from PIL import Image
    from django.core.files.uploadedfile import SimpleUploadedFile
    from reports.photos import process_photo
    image = Image.effect_noise((4000, 3000), 40).convert("RGB")
    exif = Image.Exif(); exif[0x0112] = 6
    buffer = io.BytesIO(); image.save(buffer, format="JPEG", quality=92, exif=exif)
    data = buffer.getvalue(); del image, buffer
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = process_photo(SimpleUploadedFile("big.jpg", data, content_type="image/jpeg"))
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(len(data), elapsed, before, after, result.width, result.height)
    """
)

# Three 12-megapixel photos in one request go through the form field one at a time:
# the peak is one decode, not three.
PHOTOS_SCRIPT = textwrap.dedent(
    """
    import io, resource, time, django
    django.setup()
    from PIL import Image
    from django.core.files.uploadedfile import SimpleUploadedFile
    from reports.forms.fields import PhotosField
    uploads = []
    for seed in range(3):
        image = Image.effect_noise((4000, 3000), 40 + seed).convert("RGB")
        buffer = io.BytesIO(); image.save(buffer, format="JPEG", quality=92)
        uploads.append(SimpleUploadedFile(f"big{seed}.jpg", buffer.getvalue(), "image/jpeg"))
        del image, buffer
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = PhotosField().clean(uploads)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(len(result), elapsed, before, after)
    """
)


class Command(BaseCommand):
    help = "Seed big data, serve it with gunicorn, and print latency and throughput figures."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reports", type=int, default=100_000)
        parser.add_argument("--comments", type=int, default=500)
        parser.add_argument("--requests", type=int, default=200, help="Timed requests per URL.")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--seconds", type=int, default=10, help="Duration of throughput runs.")

    def handle(self, *args, **options) -> None:
        if settings.DEBUG:
            raise CommandError("Run with DEBUG=false (use `make bench`).")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Topping up to {options['reports']:,} reports…")
        started = time.perf_counter()
        call_command("seed_demo", reports=options["reports"], stdout=open(os.devnull, "w"))  # noqa: SIM115
        self.stdout.write(f"  seeded in {time.perf_counter() - started:.1f} s")
        report = self.long_thread(options["comments"])

        server = self.serve(options["port"])
        try:
            self.measure(report, options)
        finally:
            server.terminate()
            server.wait(timeout=10)
        self.photo()

    def long_thread(self, count: int) -> Report:
        report = Report.objects.select_related("thread").order_by("-requested_at").first()
        users = list(get_user_model().objects.order_by("pk")[:8])
        existing = report.thread.comments.count()
        parent = None
        for i in range(existing, count):
            # Every fifth comment starts a new top-level branch; the others reply in it.
            reply_to = None if i % 5 == 0 or parent is None else parent
            comment = post_comment(
                report.thread,
                users[i % len(users)],
                f"Comment {i}: *still* there.",
                reply_to=reply_to,
            )
            parent = comment if i % 5 == 0 else parent
        self.stdout.write(
            f"Report #{report.pk} has a thread of {report.thread.comments.count()} comments."
        )
        return report

    def serve(self, port: int) -> subprocess.Popen:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "civic.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "3",
                "--threads",
                "4",
                "--worker-class",
                "gthread",
                "--log-level",
                "warning",
            ],
            env=os.environ.copy(),
        )
        for _ in range(100):
            try:
                self.get(port, "/", {})
                return process
            except OSError:
                time.sleep(0.2)
        process.terminate()
        raise CommandError("gunicorn did not start")

    @staticmethod
    def get(port: int, path: str, headers: dict, conn: http.client.HTTPConnection | None = None):
        conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers={"Host": "127.0.0.1", **headers})
        response = conn.getresponse()
        body = response.read()
        return response.status, dict(response.getheaders()), body

    def timed(
        self, port: int, path: str, n: int, headers: dict | None = None
    ) -> tuple[int, list[float]]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        status = 0
        for _ in range(20):  # warm up every gunicorn worker and its caches
            status, _h, _b = self.get(port, path, headers or {}, conn)
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            status, _h, _b = self.get(port, path, headers or {}, conn)
            samples.append((time.perf_counter() - start) * 1000)
        return status, samples

    def measure(self, report: Report, options: dict) -> None:
        port, n = options["port"], options["requests"]
        status, _headers, page = self.get(port, report.get_absolute_url(), {})
        match = re.search(rb'hx-get="([^"]*comments/since/[^"]*)"', page)
        if status != 200 or not match:
            raise CommandError("The report page has no live poll URL.")
        poll = match.group(1).decode().replace("&amp;", "&")
        _s, poll_headers, _b = self.get(port, poll, {"HX-Request": "true"})
        etag = poll_headers.get("ETag", "")
        west, south, east, north = settings.SERVICE_AREA
        bbox = urlencode({"bbox": f"{west},{south},{east},{north}"})
        urls = [
            (f"report page ({options['comments']} comments)", report.get_absolute_url(), {}, 50),
            ("requests.json (page of 100)", "/open311/v2/requests.json?page_size=100", {}, 50),
            ("requests.json (page of 50)", "/open311/v2/requests.json?page_size=50", {}, 50),
            ("empty live poll", poll, {"HX-Request": "true"}, 5),
            ("empty live poll with ETag", poll, {"HX-Request": "true", "If-None-Match": etag}, 5),
            ("map GeoJSON, whole city", f"/reports/map.geojson?{bbox}", {}, 100),
            ("home page", "/", {}, 50),
            ("report list", "/reports/", {}, 50),
        ]
        self.stdout.write(
            f"\nLatency, {n} sequential requests each (gunicorn -w 3 gthread, DEBUG off):"
        )
        self.stdout.write(f"  {'URL':38} {'status':>6} {'median':>9} {'p95':>9}  budget")
        for label, path, headers, budget in urls:
            status, samples = self.timed(port, path, n, headers)
            p95 = statistics.quantiles(samples, n=20)[18]
            median = statistics.median(samples)
            verdict = "ok" if median < budget else "OVER"
            self.stdout.write(
                f"  {label:38} {status:>6} {median:>7.1f}ms {p95:>7.1f}ms  < {budget} ms {verdict}"
            )
        self.throughput(port, poll, options["seconds"])

    def throughput(self, port: int, poll: str, seconds: int) -> None:
        url = f"http://127.0.0.1:{port}{poll}"
        self.stdout.write(f"\nThroughput of the empty live poll ({seconds} s, 32 connections):")
        if shutil.which("wrk"):
            out = subprocess.run(
                ["wrk", "-t2", "-c32", f"-d{seconds}s", "-H", "HX-Request: true", url],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
            codes = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            self.stdout.write(
                f"  wrk: {float(rps.group(1)) if rps else 0:,.0f} requests/s"
                f"{'; errors: ' + codes.group(1) if codes else ''} (budget > 1,000)"
            )
            return
        # Without wrk: Python threads on the same two cores (a lower ceiling than wrk).
        count = [0]
        stop = time.monotonic() + seconds

        def hammer() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while time.monotonic() < stop:
                self.get(port, poll, {"HX-Request": "true"}, conn)
                count[0] += 1

        threads = [threading.Thread(target=hammer) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.stdout.write(
            f"  python client: {count[0] / seconds:,.0f} requests/s (install wrk for the real ceiling)"
        )

    def photo(self) -> None:
        result = subprocess.run(
            [sys.executable, "-c", PHOTO_SCRIPT],
            capture_output=True,
            text=True,
            env=os.environ.copy(),
            check=True,
        )
        size, elapsed, before, after, width, height = result.stdout.split()
        self.stdout.write(
            "\n12-megapixel photo (4000x3000 JPEG, "
            f"{int(size) / 1e6:.1f} MB, rotated by EXIF) → {width}x{height}: "
            f"{float(elapsed):.2f} s (budget < 1.5 s), peak memory of the process "
            f"{int(after) / 1024:.0f} MB, {max(0, int(after) - int(before)) / 1024:.0f} MB of it for processing "
            "(budget < 300 MB)"
        )
        result = subprocess.run(
            [sys.executable, "-c", PHOTOS_SCRIPT],
            capture_output=True,
            text=True,
            env=os.environ.copy(),
            check=True,
        )
        count, elapsed, before, after = result.stdout.split()
        self.stdout.write(
            f"{count} photos of 12 megapixels in one request: {float(elapsed):.2f} s, "
            f"peak memory of the process {int(after) / 1024:.0f} MB, "
            f"{max(0, int(after) - int(before)) / 1024:.0f} MB of it for processing "
            "(budget < 300 MB: processed one at a time)"
        )
