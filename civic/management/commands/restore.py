"""Put a backup made by `manage.py backup` back in place of the current database.

Stop the web and worker processes first: everything in the database is replaced.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from civic.management.commands.backup import pg_env_and_args


class Command(BaseCommand):
    help = "Replace the database with a backup written by `manage.py backup`."

    def add_arguments(self, parser) -> None:
        parser.add_argument("backup", help="The .sqlite3 or .dump file to restore.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask: replace the current data."
        )

    def handle(self, *args, backup: str, yes: bool = False, **options) -> None:
        path = Path(backup)
        if not path.is_file():
            raise CommandError(f"No backup at {path}.")
        if not yes:
            answer = input(f"Replace everything in {connection.settings_dict['NAME']}? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("Nothing restored.")
        if connection.vendor == "sqlite":
            with path.open("rb") as f:
                if f.read(16) != b"SQLite format 3\x00":
                    raise CommandError(f"{path} is not an SQLite backup.")
            connection.ensure_connection()
            source = sqlite3.connect(path)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
        elif connection.vendor == "postgresql":
            env, conn_args = pg_env_and_args(connection.settings_dict)
            connection.close()
            result = subprocess.run(
                ["pg_restore", "--clean", "--if-exists", "--no-owner", *conn_args, str(path)],
                env=env,
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        else:
            raise CommandError(f"No restore method for {connection.vendor}.")
        self.stdout.write(self.style.SUCCESS(f"Restored {path}."))
