"""Sample contexts for every email template (templates/emails/<name>-subject.txt).

The rendering test discovers the templates on disk and renders each one with the
context built here, for a report of every demo service. A new email template
needs an entry in SAMPLES: the test fails for a template it has no sample for.

Each builder takes (report, user) and returns the context the real sender gives.
Titles and names hold characters that HTML escaping would mangle ("'", "&").
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse
from django.utils import timezone

from civic.links import absolute_url

TRICKY = "St John's Road & Mill Lane"


def _report_confirmation(report, user) -> dict:
    return {"report": report, "authorities": [report.authority] if report.authority else []}


def _report_to_authority(report, user) -> dict:
    return {"report": report, "authority": report.authority, "photos": list(report.photos.all())}


def _discussion_digest(report, user) -> dict:
    thread = report.thread
    thread_url = absolute_url(thread.get_absolute_url())
    return {
        "thread": thread,
        "thread_url": thread_url,
        "entries": [
            {
                "is_event": True,
                "text": f"Status: Fixed — {TRICKY} is clear",
                "url": thread_url,
                "created_at": timezone.now(),
            },
            {
                "is_event": False,
                "author": "O'Brien & Sons",
                "is_official": True,
                "is_reply_to_you": True,
                "text": "We'll be there on Monday & Tuesday.",
                "url": f"{thread_url}#comment-1",
                "created_at": timezone.now(),
            },
        ],
        "count_text": "2 new updates",
        "recipient_name": "Zoë O'Neil",
        "unsubscribe_url": absolute_url(reverse("discussions:unsubscribe", args=["token"])),
    }


def _report_status_update(report, user) -> dict:
    from reports.models import ReportUpdate

    report.state = report.State.IN_PROGRESS
    report.expected_at = timezone.now()
    update = ReportUpdate(
        report=report, state=report.state, note=f"Crew sent to {TRICKY}.", is_official=True
    )
    return {"report": report, "update": update, "changed": True}


def _report_questionnaire(report, user) -> dict:
    return {
        "report": report,
        "answer_url": absolute_url(reverse("reports:questionnaire", args=["signed-token"])),
        "expires_at": timezone.now(),
    }


def _report_reopened(report, user) -> dict:
    return {"report": report, "authority": report.authority, "note": f"Still there on {TRICKY}."}


def _alert(report, user):
    from reports.models import Alert

    return Alert(pk=1, kind=Alert.Kind.SERVICE, service=report.service, email="a@example.org")


def _alert_confirm(report, user) -> dict:
    return {
        "alert": _alert(report, user),
        "confirm_url": absolute_url(reverse("reports:alert-confirm", args=["token"])),
    }


def _alert_digest(report, user) -> dict:
    from reports.models import ReportUpdate

    stop = absolute_url(reverse("reports:alert-unsubscribe", args=["token"]))
    update = ReportUpdate(report=report, state="fixed", note=f"Done on {TRICKY}.")
    url = absolute_url(report.get_absolute_url())
    return {
        "entries": [
            {"report": report, "url": url, "update": None},
            {"report": report, "url": url, "update": update},
        ],
        "alerts": [{"alert": _alert(report, user), "unsubscribe_url": stop}],
        "unsubscribe_url": stop + "?all=1",
    }


def _delivery_stuck(report, user) -> dict:
    return {
        "report": report,
        "authority": report.authority,
        "attempts": 8,
        "error": "SMTPRecipientsRefused: {'roads@mill-lane.example': (550, \"Can't & won't\")}",
        "admin_path": reverse("admin:reports_delivery_change", args=[1]),
    }


SAMPLES: dict[str, Callable] = {
    "delivery-stuck": _delivery_stuck,
    "alert-confirm": _alert_confirm,
    "alert-digest": _alert_digest,
    "report-questionnaire": _report_questionnaire,
    "report-reopened": _report_reopened,
    "report-status-update": _report_status_update,
    "report-confirmation": _report_confirmation,
    "report-to-authority": _report_to_authority,
    "discussion-digest": _discussion_digest,
}
