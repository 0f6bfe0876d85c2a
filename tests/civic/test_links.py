"""Links reversed once per script prefix (civic/links.py)."""

from __future__ import annotations

from django.urls import get_script_prefix, reverse, set_script_prefix

from civic.links import reverse_id
from reports.models import Report


def test_reverse_id_answers_as_reverse_does_under_each_script_prefix():
    before = get_script_prefix()
    try:
        for prefix in ("/", "/city/", "/"):
            set_script_prefix(prefix)
            for pk in (1, 42, 987654321, 10**12):
                expected = reverse("reports:detail", args=[pk])
                assert reverse_id("reports:detail", pk) == expected
                assert Report(pk=pk).get_absolute_url() == expected
            assert reverse_id("reports:detail", 7) == f"{prefix}reports/7/"
    finally:
        set_script_prefix(before)
