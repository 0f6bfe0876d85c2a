"""What the benchmark measures: each endpoint with its path and how it is driven, one
endpoint's figures against the hello baseline, and the scripts that time a photo."""

from __future__ import annotations

import json
import statistics
import textwrap
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.urls import Resolver404, resolve

from civic_site.benchmark import wrk

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

GUNICORN_FLAGS = ["--workers", "3", "--threads", "4", "--worker-class", "gthread"]
# Every POST is a real write, and the export is downloaded thousands of times: without
# this the rate limits would answer 429.
UNLIMITED = json.dumps(
    {scope: [[60, 10**9]] for scope in ("report", "open311-post", "comment", "topic", "export")}
)


@dataclass
class Endpoint:
    label: str
    path: str
    target: float | None = None  # least ratio to hello
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    max_kb: int | None = None
    # Its answer holds every report (the export): no ratio can keep up with the size.
    grows_with_data: bool = False


@dataclass
class Result:
    endpoint: Endpoint
    runs: list[wrk.Run]
    hello: list[float]
    size_kb: float
    status: int
    # The size's baseline (the median of its hello and bare startproject runs): a hello
    # run lower than that, the machine busy for a moment, must not inflate a ratio.
    floor: float = 0.0

    @property
    def ratio(self) -> float:
        ratios = [
            r.requests_per_s / max(h, self.floor)
            for r, h in zip(self.runs, self.hello, strict=True)
            if max(h, self.floor)
        ]
        return statistics.median(ratios) if ratios else 0.0

    def median(self, name: str) -> float:
        return statistics.median(getattr(run, name) for run in self.runs)

    @property
    def verdict(self) -> str:
        problems = []
        if self.endpoint.target is not None and self.ratio < self.endpoint.target:
            problems.append(f"ratio < {self.endpoint.target:.2f}")
        if self.endpoint.max_kb is not None and self.size_kb > self.endpoint.max_kb:
            problems.append(f"> {self.endpoint.max_kb} KB")
        p50, p99 = self.median("p50_ms"), self.median("p99_ms")
        if p50 and p99 > 10 * p50:
            problems.append("p99 > 10x p50")
        if sum(run.non_2xx_3xx + run.socket_errors for run in self.runs):
            problems.append("errors")
        return "; ".join(problems) or "ok"

    def as_dict(self) -> dict:
        return {
            "endpoint": self.endpoint.label,
            "path": self.endpoint.path,
            "requests_per_s": self.median("requests_per_s"),
            "p50_ms": self.median("p50_ms"),
            "p99_ms": self.median("p99_ms"),
            "non_2xx_3xx": sum(run.non_2xx_3xx for run in self.runs),
            "socket_errors": sum(run.socket_errors for run in self.runs),
            "hello_requests_per_s": statistics.median(self.hello),
            "baseline_floor": round(self.floor, 1),
            "ratio": round(self.ratio, 4),
            "target": self.endpoint.target,
            "size_kb": round(self.size_kb, 1),
            "max_kb": self.endpoint.max_kb,
            "verdict": self.verdict,
            "runs": [run.as_dict() for run in self.runs],
        }


def endpoints(info: dict) -> list[Endpoint]:
    west, south, east, north = settings.SERVICE_AREA
    cx, cy = (west + east) / 2, (south + north) / 2
    # A neighbourhood: a tenth of the area's width and height (1 % of it).
    dx, dy = (east - west) / 20, (north - south) / 20
    city = urlencode({"bbox": f"{west},{south},{east},{north}"})
    hood = urlencode({"bbox": f"{cx - dx},{cy - dy},{cx + dx},{cy + dy}"})
    csrf = "b" * 32  # an unmasked secret: the cookie and the header carry the same one
    session = f"{info['session_cookie_name']}={info['session_cookie']}"
    # A signed-in browser sends back the CSRF cookie its first page set.
    signed_in = {"Cookie": f"{session}; csrftoken={csrf}"}
    web_post = {**signed_in, "X-CSRFToken": csrf}
    report_body = urlencode(
        {
            "service": info["post_service"],
            "lat": cy,
            "lon": cx,
            "title": "Benchmark report",
            "description": "Written by the benchmark.",
        }
    )
    open311_body = urlencode(
        {
            "api_key": info["api_key"],
            "service_code": info["post_service"],
            "lat": cy,
            "long": cx,
            "description": "Written by the benchmark.",
        }
    )
    report = info["report_path"]
    comment_post = {**web_post, "HX-Request": "true"}
    every = [
        Endpoint("Open311 services.json", "/open311/v2/services.json", 0.50),
        Endpoint("requests.json?page_size=100", "/open311/v2/requests.json?page_size=100", 0.10),
        Endpoint("requests.xml?page_size=100", "/open311/v2/requests.xml?page_size=100", 0.08),
        Endpoint("requests/<id>.json", f"/open311/v2/requests/{info['report_id']}.json", 0.30),
        Endpoint(
            "requests.json lat/long + 500 m",
            f"/open311/v2/requests.json?lat={cy}&long={cx}&radius=500",
            0.08,
        ),
        Endpoint("map GeoJSON, neighbourhood", f"/reports/map.geojson?{hood}", 0.15, max_kb=100),
        Endpoint("map GeoJSON, whole city", f"/reports/map.geojson?{city}", 0.15, max_kb=100),
        Endpoint(f"report page, {info['comments']} comments", report, 0.15),
        Endpoint(f"report page, {info['comments']} comments, signed in", report, 0.40, signed_in),
        Endpoint(
            "empty live poll",
            info["poll_path"],
            0.60,
            {"HX-Request": "true"},
        ),
        Endpoint("home page", "/", 0.25),
        Endpoint("home page, signed in", "/", 0.30, signed_in),
        Endpoint("report list", "/reports/", 0.10),
        Endpoint("report list, signed in", "/reports/", 0.30, signed_in),
        Endpoint("community list", "/community/"),
        Endpoint("community list, signed in", "/community/", 0.30, signed_in),
        Endpoint("stats page", "/reports/stats/", 0.50),
        # Every report, streamed: its work grows with the data by nature.
        Endpoint("CSV export", "/reports/export.csv", grows_with_data=True),
        Endpoint(
            "Open311 POST requests.json", "/open311/v2/requests.json", 0.15, body=open311_body
        ),
        Endpoint("new-report POST (signed in)", "/reports/new/", 0.10, web_post, body=report_body),
        Endpoint(
            "comment POST (signed in)",
            info.get("comment_path", ""),
            0.15,
            comment_post,
            body=urlencode({"body": "Written by the benchmark."}),
        ),
    ]
    return [e for e in every if _resolves(e.path)]


def _resolves(path: str) -> bool:
    if not path:
        return False  # a data set made before the endpoint was
    try:
        resolve(path.split("?", 1)[0])
    except Resolver404:
        return False
    return True
