#!/usr/bin/env python3
"""Load-and-fault run: many clients against gunicorn and the worker, with faults on the way.

    python scripts/loadtest.py                       # 200 clients, 60 s, SQLite
    python scripts/loadtest.py --database postgres   # the same on PostgreSQL
    python scripts/loadtest.py --clients 10 --duration 5   # the smoke test's size
    python scripts/loadtest.py --residents 1         # every client signed in and writing

Everything runs on loopback in a scratch data folder (and, on PostgreSQL, a scratch
database that is dropped afterwards): gunicorn as in production (DEBUG off, gthread,
3 workers x 4 threads), the delivery worker, a local SMTP server (aiosmtpd) and an
upstream Open311 server standing in for a city's back end. Every client reads (home,
list, report page, map GeoJSON, Open311 GET); the signed-in residents among them
(`--residents`, 30 % by default; `--residents 1` for everyone) also comment, toggle
"me too", POST to Open311 and report on the web. Each thinks for a moment between
requests.

During the run it kills one gunicorn worker (SIGKILL), restarts the delivery worker,
and makes the SMTP server refuse mail for a while, then accept it again. Afterwards it
waits for the outbox and deliveries to drain and checks that every acknowledged write
is in the database and that every email and delivery reached its server exactly once.
It prints requests, errors by kind, p50/p95/p99, and exits 1 when a target is missed:
0 lost acknowledged writes, 0 5xx, 0 "database is locked", 0 double sends, p99 < 2 s.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
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


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(clients: int, upstream_url: str) -> dict:
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from civic.models import Profile
    from discussions.actions import create_topic
    from open311.models import ApiKey
    from reports.actions import submit_report
    from reports.models import Authority, Contact, Service

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    west, south, east, north = AREA
    area = {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }
    service = Service.objects.create(code="pothole", name="Pothole")
    by_email = Authority.objects.create(
        name="Borough", slug="borough", email="roads@borough.example.org", boundary=area
    )
    by_open311 = Authority.objects.create(
        name="City roads",
        slug="city",
        boundary=area,
        send_method=Authority.SendMethod.OPEN311,
        endpoint=upstream_url,
    )
    for authority in (by_email, by_open311):
        Contact.objects.create(authority=authority, service=service, email=authority.email)
    User = get_user_model()
    users = [
        User.objects.create_user(f"load{n}", f"load{n}@example.org", None) for n in range(clients)
    ]
    # Commenting needs a display name.
    Profile.objects.bulk_create(
        Profile(user=user, display_name=f"Load {n}") for n, user in enumerate(users)
    )
    sessions = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    keys = [ApiKey.create_key(f"Load client {n}")[1] for n in range(clients)]
    reports = [
        submit_report(
            service=service,
            lat=south + (north - south) * (i + 0.5) / 40,
            lon=west + (east - west) * (i + 0.5) / 40,
            title=f"Seed report {i}",
            description="Here before the load test.",
            reporter=users[i % len(users)],
        )
        for i in range(40)
    ]
    topics = [
        create_topic(author=users[0], kind="idea", title=f"Seed topic {i}", body="Discuss.")
        for i in range(3)
    ]
    return {
        "sessions": sessions,
        "keys": keys,
        "reports": [r.pk for r in reports],
        "threads": [r.thread_id for r in reports[:10]] + [t.pk for t in topics],
    }


def drain(timeout: float) -> bool:
    from django.db import close_old_connections

    from civic.models import OutboundEmail
    from delivery.models import Delivery

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        if (
            not OutboundEmail.objects.exclude(state="sent").exists()
            and not Delivery.objects.exclude(state="sent").exists()
        ):
            return True
        time.sleep(0.5)
    return False


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def check(stats: Stats, mailbox: Mailbox, upstream: Upstream, logs: list[Path]) -> dict:
    from civic.models import OutboundEmail
    from delivery.models import Delivery
    from discussions.models import Comment, Support
    from reports.models import Report

    stored = set(Comment.objects.filter(body__in=stats.comments).values_list("body", flat=True))
    lost_comments = len(set(stats.comments) - stored)
    present = set(Report.objects.filter(pk__in=stats.reports).values_list("pk", flat=True))
    lost_reports = len(set(stats.reports) - present)
    support_rows = set(Support.objects.values_list("user__username", "thread_id"))
    wrong_support = sum(
        1
        for (client, thread), on in stats.support.items()
        if on is not None and ((f"load{client}", thread) in support_rows) != on
    )
    sent_ids = {f"<outbox-{pk}@" for pk in OutboundEmail.objects.values_list("pk", flat=True)}
    received = mailbox.received
    double_emails = sum(1 for count in received.values() if count > 1)
    received_prefixes = {key.split("@")[0] + "@" for key in received}
    missing_emails = len(sent_ids - received_prefixes)
    unsent = OutboundEmail.objects.exclude(state="sent").count()
    open311 = Delivery.objects.filter(method="open311")
    descriptions = [d.split("\n")[0] for d in open311.values_list("report__title", flat=True)]
    double_deliveries = sum(1 for count in upstream.received.values() if count > 1)
    missing_deliveries = sum(1 for d in descriptions if upstream.received[d] == 0)
    locked = sum(path.read_text(errors="replace").count("database is locked") for path in logs)
    return {
        "lost acknowledged writes": lost_comments + lost_reports + wrong_support,
        "  lost comments": lost_comments,
        "  lost reports": lost_reports,
        "  wrong me-too state": wrong_support,
        "emails sent": sum(received.values()),
        "emails refused while the mail server was down": mailbox.refused,
        "double emails": double_emails,
        "emails never received": missing_emails + unsent,
        "open311 deliveries": sum(upstream.received.values()),
        "double deliveries": double_deliveries,
        "deliveries never received": missing_deliveries,
        '"database is locked" in the logs': locked,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--residents",
        type=float,
        default=0.3,
        help="share of clients who are signed in and write (the rest only read)",
    )
    parser.add_argument(
        "--postgres", default="postgres://civic:civic@127.0.0.1:5432", help="server URL"
    )
    parser.add_argument("--p99", type=float, default=2.0, help="p99 target in seconds")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--keep", action="store_true", help="keep the data folder and logs")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="civic-loadtest-"))
    pg_name = f"civic_loadtest_{os.getpid()}"
    if args.database == "postgres":
        import psycopg

        with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}"')
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        database_url = f"{args.postgres}/{pg_name}"
    else:
        database_url = f"sqlite:///{tmp / 'civic.sqlite3'}"

    mailbox, upstream = Mailbox(), Upstream()
    port = free_port()
    env = {
        "DJANGO_SETTINGS_MODULE": "civic.settings",
        "DEBUG": "false",
        "SECRET_KEY": PASSWORD_FREE_SECRET,
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "SITE_URL": f"http://{HOST}:{port}",
        "DATA_DIR": str(tmp),
        "DATABASE_URL": database_url,
        "EMAIL_HOST": HOST,
        "EMAIL_PORT": str(mailbox.port),
        "EMAIL_USE_TLS": "false",
        "EMAIL_TIMEOUT": "5",
        # Retries come back within seconds, so the run drains soon after the mail server returns.
        "OUTBOX_MAX_BACKOFF_SECONDS": "3",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("TESTING", "REDIS_URL", "AWS_STORAGE_BUCKET_NAME"):
        os.environ.pop(name, None)
    processes: list[subprocess.Popen] = []
    logs = [tmp / "gunicorn.log", tmp / "worker-1.log", tmp / "worker-2.log"]
    try:
        setup_django(env)
        print(f"Seeding {args.clients} users on {args.database} in {tmp} …", flush=True)
        data = seed(args.clients, upstream.url)

        def start_worker(log: Path) -> subprocess.Popen:
            return subprocess.Popen(
                [sys.executable, "manage.py", "work", "--interval", "0.5"],
                cwd=ROOT,
                env={**os.environ, **env},
                stdout=subprocess.DEVNULL,
                stderr=log.open("w"),
            )

        gunicorn = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "civic.wsgi",
                "--bind", f"{HOST}:{port}",
                "--workers", str(args.workers), "--threads", "4", "--worker-class", "gthread",
                "--graceful-timeout", "5", "--no-control-socket",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=logs[0].open("w"),
        )  # fmt: skip
        processes.append(gunicorn)
        worker = start_worker(logs[1])
        processes.append(worker)
        for _ in range(300):
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=2)
                conn.request("GET", "/open311/v2/discovery.json", headers={"Host": HOST})
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not start: " + logs[0].read_text()[-2000:])

        stats = Stats()
        started = time.monotonic()
        deadline = started + args.duration
        residents = round(args.clients * args.residents)
        clients = [
            Client(
                n, port, deadline, stats, data["sessions"][n] if n < residents else None,
                data["keys"][n], data["reports"], data["threads"],
            )
            for n in range(args.clients)
        ]  # fmt: skip
        for client in clients:
            client.start()

        faults: list[str] = []

        def at(fraction: float) -> None:
            time.sleep(max(0.0, started + args.duration * fraction - time.monotonic()))

        at(0.2)
        mailbox.refusing = True
        faults.append(f"{time.monotonic() - started:5.1f}s SMTP server refuses mail")
        at(0.3)
        children = Path(f"/proc/{gunicorn.pid}/task/{gunicorn.pid}/children").read_text().split()
        if children:
            os.kill(int(children[0]), signal.SIGKILL)
            faults.append(
                f"{time.monotonic() - started:5.1f}s killed gunicorn worker {children[0]}"
            )
        at(0.5)
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        worker = start_worker(logs[2])
        processes.append(worker)
        faults.append(f"{time.monotonic() - started:5.1f}s restarted the delivery worker")
        at(0.6)
        mailbox.refusing = False
        faults.append(f"{time.monotonic() - started:5.1f}s SMTP server accepts mail again")
        for client in clients:
            client.join(timeout=args.duration + 60)
        elapsed = time.monotonic() - started
        drained = drain(timeout=max(60.0, args.duration))
        results = check(stats, mailbox, upstream, logs)

        latencies = stats.latencies
        p50, p95, p99 = (percentile(latencies, p) for p in (50, 95, 99))
        fivexx = sum(n for kind, n in stats.errors.items() if kind.startswith("HTTP 5"))
        print(
            f"\n{args.clients} clients ({residents} signed-in residents, the rest visitors)"
            f" for {args.duration:.0f} s on {args.database}:"
        )
        for line in faults:
            print(f"  fault: {line}")
        print(f"requests: {len(latencies)} ({len(latencies) / elapsed:.0f}/s)")
        for kind, times in sorted(stats.by_kind.items()):
            print(
                f"  {kind}: {len(times)}, p50 {percentile(times, 50) * 1000:.0f} ms,"
                f" p99 {percentile(times, 99) * 1000:.0f} ms"
            )
        print("errors by kind:" + ("" if stats.errors else " none"))
        for kind, n in sorted(stats.errors.items()):
            print(f"  {kind}: {n}")
        print(f"latency: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
        print(f"acknowledged: {len(stats.comments)} comments, {len(stats.reports)} reports")
        print(f"outbox and deliveries drained: {'yes' if drained else 'NO'}")
        for name, value in results.items():
            print(f"{name}: {value}")

        missed = []
        if results["lost acknowledged writes"]:
            missed.append("lost acknowledged writes")
        if fivexx:
            missed.append("5xx answers")
        if results['"database is locked" in the logs']:
            missed.append('"database is locked"')
        if results["double emails"] or results["double deliveries"]:
            missed.append("double sends")
        if results["emails never received"] or results["deliveries never received"] or not drained:
            missed.append("unsent emails or deliveries")
        if p99 > args.p99:
            missed.append(f"p99 over {args.p99} s")
        print("targets: " + ("all met" if not missed else "MISSED: " + ", ".join(missed)))
        return 1 if missed else 0
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        mailbox.stop()
        upstream.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        if args.database == "postgres":
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
