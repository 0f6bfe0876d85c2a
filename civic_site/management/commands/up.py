"""Everything needed to run the site on one machine, in one command.

Migrates, collects static files, seeds the demo city into an empty database,
then serves with gunicorn and runs the worker beside it. Ctrl-C stops both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from reports.models import Report


class Command(BaseCommand):
    help = "Migrate, seed the demo when empty, then serve with gunicorn and run the worker."

    @staticmethod
    def site_url(host: str, port: int) -> str:
        """SITE_URL from the environment when given, else the address being served."""
        given = os.environ.get("SITE_URL", "").strip()
        if given:
            return given.rstrip("/")
        if host in ("0.0.0.0", "::", ""):  # every interface: this machine's own name works
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "3")))
        parser.add_argument("--no-seed", action="store_true", help="Never seed demo data.")

    def handle(self, *args, host: str, port: int, workers: int, no_seed: bool, **options) -> None:
        site_url = self.site_url(host, port)
        # Emails, feeds and deliveries link to SITE_URL: the server and the worker
        # (started below, with this environment) must know the address in use.
        os.environ["SITE_URL"] = settings.SITE_URL = site_url
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        seeded = False
        if not no_seed and not Report.objects.exists():
            self.stdout.write("Empty database: creating the demo city…")
            call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
            seeded = True

        python = sys.executable
        processes = [
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "gunicorn",
                    "civic.wsgi",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    str(workers),
                    "--threads",
                    "4",
                    "--worker-class",
                    "gthread",
                    "--access-logfile",
                    "-",
                    "--graceful-timeout",
                    "5",
                ]
            ),
            subprocess.Popen([python, "manage.py", "work"]),
        ]
        from civic_site.management.commands.seed_demo import Command as Seed

        self.stdout.write(self.style.SUCCESS(f"\n{settings.SITE_NAME} is running at {site_url}/"))
        if seeded or Report.objects.filter(source=Report.Source.IMPORT).exists():
            self.stdout.write("Demo logins:\n" + Seed.logins())
        self.stdout.write("Press Ctrl-C to stop.\n")

        stopping = False

        def stop(signum, frame) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(p.poll() is None for p in processes):
                time.sleep(0.3)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for process in processes:
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stdout.write("Stopped.")
