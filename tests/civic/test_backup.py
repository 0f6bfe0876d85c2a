"""Backups: made while the site runs, restored with the same counts."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from civic.models import OutboundEmail
from discussions.models import Comment, Thread
from reports.models import Report
from tests.factories import make_comment, make_report


def counts() -> dict[str, int]:
    return {
        "reports": Report.objects.count(),
        "threads": Thread.objects.count(),
        "comments": Comment.objects.count(),
        "emails": OutboundEmail.objects.count(),
    }


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_brings_back_exactly_what_was_there(tmp_path, service, authority):
    for i in range(3):
        report = make_report(service=service, title=f"Report {i}")
        make_comment(report.thread, body=f"Comment on {i}")
    before = counts()
    assert before["reports"] == 3 and before["comments"] == 3
    path = tmp_path / "civic.backup"

    call_command("backup", output=str(path))
    assert path.stat().st_size > 0
    # Things change after the backup…
    Comment.objects.all().delete()
    make_report(service=service, title="After the backup")
    assert counts() != before
    # …and the restore brings back the state it was taken in.
    call_command("restore", str(path), yes=True)
    assert counts() == before
    assert sorted(Report.objects.values_list("title", flat=True)) == [
        f"Report {i}" for i in range(3)
    ]


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, db):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello")
    with pytest.raises(CommandError):
        call_command("restore", str(bogus), yes=True)
