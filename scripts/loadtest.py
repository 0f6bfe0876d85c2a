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
waits for the tasks, the outbox and deliveries to drain and checks that every acknowledged write
is in the database and that every email and delivery reached its server exactly once.
It prints requests, errors by kind, p50/p95/p99, and exits 1 when a target is missed:
0 lost acknowledged writes, 0 5xx, 0 "database is locked", 0 double sends, p99 under --p99 (2 s).
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The parts live beside this script (scripts/ is not a package).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadclients import (
    AREA,
    HOST,
    PASSWORD_FREE_SECRET,
    ROOT,
    Client,
    Mailbox,
    Stats,
    Upstream,
    free_port,
)


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

    from civic.models import OutboundEmail, Task
    from delivery.models import Delivery

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        # The tasks first: what the requests handed on becomes emails and deliveries.
        if (
            not Task.objects.exclude(state="sent").exists()
            and not OutboundEmail.objects.exclude(state="sent").exists()
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


def _arguments() -> argparse.Namespace:
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
    return parser.parse_args()


def _scratch_database(args: argparse.Namespace, tmp: Path, pg_name: str) -> str:
    if args.database != "postgres":
        return f"sqlite:///{tmp / 'civic.sqlite3'}"
    import psycopg

    with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}"')
        conn.execute(f'CREATE DATABASE "{pg_name}"')
    return f"{args.postgres}/{pg_name}"


def _site_env(tmp: Path, port: int, database_url: str, mailbox: Mailbox) -> dict[str, str]:
    return {
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


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "work", "--interval", "0.5"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )


def _start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    gunicorn = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "civic.wsgi",
            "--bind", f"{HOST}:{port}",
            "--workers", str(workers), "--threads", "4", "--worker-class", "gthread",
            "--graceful-timeout", "5", "--no-control-socket",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )  # fmt: skip
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/open311/v2/discovery.json", headers={"Host": HOST})
            if conn.getresponse().status == 200:
                return gunicorn
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("gunicorn did not start: " + log.read_text()[-2000:])


class _Run:
    """One run: the site's processes, the clients, and the faults put in their way."""

    def __init__(self, args, env, port, mailbox, logs, processes) -> None:
        self.args, self.env, self.port, self.mailbox = args, env, port, mailbox
        self.logs, self.processes = logs, processes
        self.faults: list[str] = []
        self.stats = Stats()

    def start(self, data: dict) -> None:
        self.gunicorn = _start_gunicorn(self.env, self.port, self.args.workers, self.logs[0])
        self.processes.append(self.gunicorn)
        self.worker = _start_worker(self.env, self.logs[1])
        self.processes.append(self.worker)
        self.started = time.monotonic()
        deadline = self.started + self.args.duration
        self.residents = round(self.args.clients * self.args.residents)
        self.clients = [
            Client(
                n, self.port, deadline, self.stats,
                data["sessions"][n] if n < self.residents else None,
                data["keys"][n], data["reports"], data["threads"],
            )
            for n in range(self.args.clients)
        ]  # fmt: skip
        for client in self.clients:
            client.start()

    def _at(self, fraction: float) -> None:
        time.sleep(max(0.0, self.started + self.args.duration * fraction - time.monotonic()))

    def _fault(self, text: str) -> None:
        self.faults.append(f"{time.monotonic() - self.started:5.1f}s {text}")

    def faults_on_the_way(self) -> None:
        self._at(0.2)
        self.mailbox.refusing = True
        self._fault("SMTP server refuses mail")
        self._at(0.3)
        pid = self.gunicorn.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if children:
            os.kill(int(children[0]), signal.SIGKILL)
            self._fault(f"killed gunicorn worker {children[0]}")
        self._at(0.5)
        self.worker.send_signal(signal.SIGTERM)
        self.worker.wait(timeout=60)
        self.worker = _start_worker(self.env, self.logs[2])
        self.processes.append(self.worker)
        self._fault("restarted the delivery worker")
        self._at(0.6)
        self.mailbox.refusing = False
        self._fault("SMTP server accepts mail again")
        for client in self.clients:
            client.join(timeout=self.args.duration + 60)
        self.elapsed = time.monotonic() - self.started


def _report(run: _Run, drained: bool, results: dict) -> list[str]:
    """Print the run's figures; the targets it missed."""
    args, stats = run.args, run.stats
    latencies = stats.latencies
    p50, p95, p99 = (percentile(latencies, p) for p in (50, 95, 99))
    print(
        f"\n{args.clients} clients ({run.residents} signed-in residents, the rest visitors)"
        f" for {args.duration:.0f} s on {args.database}:"
    )
    for line in run.faults:
        print(f"  fault: {line}")
    print(f"requests: {len(latencies)} ({len(latencies) / run.elapsed:.0f}/s)")
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
    print(f"tasks, outbox and deliveries drained: {'yes' if drained else 'NO'}")
    for name, value in results.items():
        print(f"{name}: {value}")
    fivexx = sum(n for kind, n in stats.errors.items() if kind.startswith("HTTP 5"))
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
    return missed


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _drop_database(args: argparse.Namespace, pg_name: str) -> None:
    from django.db import connections

    connections.close_all()
    import psycopg

    with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def main() -> int:
    args = _arguments()
    tmp = Path(tempfile.mkdtemp(prefix="civic-loadtest-"))
    pg_name = f"civic_loadtest_{os.getpid()}"
    database_url = _scratch_database(args, tmp, pg_name)
    mailbox, upstream = Mailbox(), Upstream()
    port = free_port()
    env = _site_env(tmp, port, database_url, mailbox)
    for name in ("TESTING", "REDIS_URL", "AWS_STORAGE_BUCKET_NAME"):
        os.environ.pop(name, None)
    processes: list[subprocess.Popen] = []
    logs = [tmp / "gunicorn.log", tmp / "worker-1.log", tmp / "worker-2.log"]
    try:
        setup_django(env)
        print(f"Seeding {args.clients} users on {args.database} in {tmp} …", flush=True)
        data = seed(args.clients, upstream.url)
        run = _Run(args, env, port, mailbox, logs, processes)
        run.start(data)
        run.faults_on_the_way()
        drained = drain(timeout=max(60.0, args.duration))
        missed = _report(run, drained, check(run.stats, mailbox, upstream, logs))
        print("targets: " + ("all met" if not missed else "MISSED: " + ", ".join(missed)))
        return 1 if missed else 0
    finally:
        _stop(processes)
        mailbox.stop()
        upstream.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        if args.database == "postgres":
            _drop_database(args, pg_name)


if __name__ == "__main__":
    sys.exit(main())
