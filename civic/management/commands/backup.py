"""A consistent copy of the database while the site runs.

SQLite: the online backup API (a consistent snapshot even with writers busy, WAL
included). PostgreSQL: `pg_dump --format=custom`. Restore with `manage.py restore`.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone


def pg_env_and_args(db: dict) -> tuple[dict[str, str], list[str]]:
    """Environment and connection arguments for pg_dump / pg_restore from Django's settings."""
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    return env, [*args, "--dbname", db["NAME"]]


class Command(BaseCommand):
    help = "Write a consistent backup of the database (SQLite backup API, or pg_dump)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            help="File to write (default: DATA_DIR/backups/civic-<time>.sqlite3 or .dump).",
        )

    def handle(self, *args, output: str | None = None, **options) -> None:
        vendor = connection.vendor
        if vendor not in ("sqlite", "postgresql"):
            raise CommandError(f"No backup method for {vendor}.")
        suffix = "sqlite3" if vendor == "sqlite" else "dump"
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        path = Path(output or settings.DATA_DIR / "backups" / f"civic-{stamp}.{suffix}")
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        if vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(partial)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            env, conn_args = pg_env_and_args(connection.settings_dict)
            result = subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--file", str(partial), *conn_args],
                env=env,
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                partial.unlink(missing_ok=True)
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        # Only a complete backup gets the final name.
        partial.replace(path)
        self.stdout.write(f"Backup written to {path} ({path.stat().st_size:,} bytes).")
