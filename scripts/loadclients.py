"""The load run's parts (scripts/loadtest.py): a local SMTP server and Open311 upstream
that count what reaches them, the clients that read and write, and their statistics."""

from __future__ import annotations

import collections
import http.client
import json
import os
import random
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
AREA = (-0.2300, 51.4700, -0.0500, 51.5500)  # the demo city's service area
PASSWORD_FREE_SECRET = "loadtest-only-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# --- the servers the site talks to ---------------------------------------------------


class Mailbox:
    """A real SMTP server (aiosmtpd) that counts messages by Message-ID and can refuse."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.refusing = False
        self.received: collections.Counter[str] = collections.Counter()
        self.refused = 0
        self.lock = threading.Lock()
        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                if box.refusing:
                    with box.lock:
                        box.refused += 1
                    return "451 4.3.0 Mail server busy, try again later"
                found = re.search(rb"^Message-ID:\s*(\S+)", envelope.content, re.M | re.I)
                key = found.group(1).decode() if found else "(none)"
                with box.lock:
                    box.received[key] += len(envelope.rcpt_tos)
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname=HOST, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


class Upstream:
    """A city's Open311 back end: answers POSTs with an id and counts them by description."""

    def __init__(self) -> None:
        self.received: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                description = form.get("description", [""])[0].split("\n")[0]
                with upstream.lock:
                    upstream.received[description] += 1
                    n = sum(upstream.received.values())
                self._answer(200, [{"service_request_id": f"up-{n}"}])

            def do_GET(self) -> None:
                self._answer(200, [])

            def _answer(self, status: int, data) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"http://{HOST}:{self.server.server_address[1]}/open311/v2/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the clients ---------------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.by_kind: collections.defaultdict[str, list[float]] = collections.defaultdict(list)
        self.errors: collections.Counter[str] = collections.Counter()
        self.comments: list[str] = []  # acknowledged comment bodies
        self.reports: list[int] = []  # acknowledged report ids (web and Open311)
        self.support: dict[tuple[int, int], bool] = {}  # (client, thread) -> last acknowledged

    def record(self, kind: str, seconds: float, outcome: str | None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.by_kind[kind].append(seconds)
            if outcome:
                self.errors[outcome] += 1


class Client(threading.Thread):
    """A signed-in resident who reads and writes, or (without `session_key`) a visitor
    without an account who only reads: most of a city site's readers arrive from a link,
    a search or an alert email."""

    def __init__(self, n, port, deadline, stats, session_key, api_key, report_ids, threads):
        super().__init__(daemon=True)
        self.n, self.port, self.deadline, self.stats = n, port, deadline, stats
        self.resident = session_key is not None
        self.cookies = {"sessionid": session_key} if self.resident else {}
        self.api_key, self.report_ids, self.threads = api_key, report_ids, threads
        self.random = random.Random(n)
        self.conn: http.client.HTTPConnection | None = None
        self.seq = 0

    def request(self, kind, method, path, body=None, headers=None):
        headers = {"Host": HOST, **(headers or {})}
        if body is not None and "csrftoken" not in self.cookies:
            self.request("home", "GET", "/")  # the first visit failed: fetch the CSRF cookie
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Referer"] = f"http://{HOST}:{self.port}/"
            body = urllib.parse.urlencode(body)
        started = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn = None
            self.stats.record(
                kind, time.perf_counter() - started, f"connection: {type(exc).__name__}"
            )
            return None, b"", {}
        elapsed = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";")[0]
        status = response.status
        outcome = None
        if status >= 500:
            outcome = f"HTTP {status}"
        elif status == 429:
            outcome = "rate limited (429, by design)"
        elif status >= 400:
            outcome = f"HTTP {status}"
            if os.environ.get("LOADTEST_DEBUG"):
                print(
                    method,
                    path,
                    status,
                    re.findall(rb"<pre>(.*?)</pre>", data, re.S)[:1],
                    self.cookies.keys(),
                    file=sys.stderr,
                )
        self.stats.record(kind, elapsed, outcome)
        return status, data, dict(response.getheaders())

    def run(self) -> None:
        self.request("home", "GET", "/")  # the CSRF cookie
        actions = [
            (20, self.home),
            (15, self.list),
            (20, self.report_page),
            (10, self.map),
            (10, self.open311_get),
        ]
        if self.resident:
            actions += [
                (12, self.comment),
                (6, self.support),
                (4, self.open311_post),
                (3, self.web_report),
            ]
        weights = [w for w, _ in actions]
        while time.monotonic() < self.deadline:
            self.random.choices([a for _, a in actions], weights)[0]()
            time.sleep(self.random.uniform(0.5, 1.5))  # a person reading the page

    def home(self):
        self.request("home", "GET", "/")

    def list(self):
        self.request("list", "GET", "/reports/")

    def report_page(self):
        self.request("report page", "GET", f"/reports/{self.random.choice(self.report_ids)}/")

    def map(self):
        west, south, east, north = AREA
        self.request("map", "GET", f"/reports/map.geojson?bbox={west},{south},{east},{north}")

    def open311_get(self):
        self.request("open311 get", "GET", "/open311/v2/requests.json")

    def comment(self):
        self.seq += 1
        body = f"Load comment c{self.n}-{self.seq}"
        thread = self.random.choice(self.threads)
        status, _, _ = self.request(
            "comment", "POST", f"/community/threads/{thread}/comments/", {"body": body}
        )
        if status in (200, 302):
            with self.stats.lock:
                self.stats.comments.append(body)

    def support(self):
        thread = self.random.choice(self.threads)
        on = self.random.random() < 0.6
        status, _, _ = self.request(
            "me too", "POST", f"/community/threads/{thread}/support/", {"on": "on"} if on else {}
        )
        with self.stats.lock:
            if status in (200, 302):
                self.stats.support[(self.n, thread)] = on
            else:  # unknown outcome: that pair is not checked
                self.stats.support[(self.n, thread)] = None

    def _point(self):
        west, south, east, north = AREA
        return self.random.uniform(south, north), self.random.uniform(west, east)

    def open311_post(self):
        self.seq += 1
        lat, lon = self._point()
        status, data, _ = self.request(
            "open311 post",
            "POST",
            "/open311/v2/requests.json",
            {
                "api_key": self.api_key,
                "service_code": "pothole",
                "lat": f"{lat:.6f}",
                "long": f"{lon:.6f}",
                "description": f"Load open311 o{self.n}-{self.seq}",
            },
        )
        if status == 200:
            request_id = json.loads(data)[0]["service_request_id"]
            with self.stats.lock:
                self.stats.reports.append(int(request_id))

    def web_report(self):
        self.seq += 1
        lat, lon = self._point()
        status, _, headers = self.request(
            "web report",
            "POST",
            "/reports/new/",
            {
                "service": "pothole",
                "lat": f"{lat:.6f}",
                "lon": f"{lon:.6f}",
                "title": f"Load report w{self.n}-{self.seq}",
                "description": "A pothole found by the load test.",
            },
        )
        found = (
            re.search(r"/reports/(\d+)/", headers.get("Location", "")) if status == 302 else None
        )
        if found:
            with self.stats.lock:
                self.stats.reports.append(int(found.group(1)))


# --- setting up and checking ---------------------------------------------------------
