"""Fixtures for the privacy tests (the personas live in tests/conftest.py)."""

from __future__ import annotations

from civic.models import PrivateOriginal
from tests.open311.conftest import api_key, full_service, raw_key, valid_post  # noqa: F401

PHONE = "612 345 678"
HTMX = {"HTTP_HX_REQUEST": "true"}


def original_of(obj, field: str) -> PrivateOriginal:
    return PrivateOriginal.objects.get(
        object_id=obj.pk, field=field, content_type__model=obj._meta.model_name
    )
