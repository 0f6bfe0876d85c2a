"""python manage.py create_api_key NAME [--contact EMAIL] [--read-only] [--back-office SLUG]"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from open311.models import ApiKey
from reports.models import Authority


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
        parser.add_argument(
            "--back-office",
            metavar="SLUG",
            default="",
            help="The key is that authority's back office: it may post updates to its reports "
            "(POST servicerequestupdates).",
        )

    def handle(
        self, *args, name: str, contact: str, read_only: bool, back_office: str, **options
    ) -> None:
        name = name.strip()
        if not name:
            raise CommandError("NAME must not be empty.")
        if contact:
            try:
                validate_email(contact)
            except ValidationError as exc:
                raise CommandError(f"--contact: {contact!r} is not an email address.") from exc
        scope = {}
        if back_office:
            authority = Authority.objects.filter(slug=back_office).first()
            if authority is None:
                raise CommandError(f"--back-office: no authority has the slug {back_office!r}.")
            scope = {"authority": authority, "can_post_updates": True}
        key, raw = ApiKey.create_key(
            name[:120], contact_email=contact, can_post=not read_only, **scope
        )
        self.stderr.write(
            f"Created API key {key.name!r} (prefix {key.prefix}"
            f"{', read-only' if read_only else ''}). It is shown only now; copy it:"
        )
        self.stdout.write(raw)
