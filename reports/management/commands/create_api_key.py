"""python manage.py create_api_key NAME [--contact EMAIL] [--read-only]"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from reports.models import ApiKey


class Command(BaseCommand):
    help = "Create an Open311 API key and print it once (only its hash is stored)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="Who the key is for, e.g. the app's name.")
        parser.add_argument("--contact", default="", help="The client's contact email.")
        parser.add_argument(
            "--read-only",
            action="store_true",
            help="The key may not submit requests (reading needs no key anyway).",
        )

    def handle(self, *args, name: str, contact: str, read_only: bool, **options) -> None:
        name = name.strip()
        if not name:
            raise CommandError("NAME must not be empty.")
        if contact:
            try:
                validate_email(contact)
            except ValidationError as exc:
                raise CommandError(f"--contact: {contact!r} is not an email address.") from exc
        key, raw = ApiKey.create_key(name[:120], contact_email=contact, can_post=not read_only)
        self.stderr.write(
            f"Created API key {key.name!r} (prefix {key.prefix}"
            f"{', read-only' if read_only else ''}). It is shown only now; copy it:"
        )
        self.stdout.write(raw)
