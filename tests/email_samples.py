"""Sample contexts for every email template (templates/emails/<name>-subject.txt).

The rendering test discovers the templates on disk and renders each one with the
context built here, for a report of every demo service. A new email template
needs an entry in SAMPLES: the test fails for a template it has no sample for.

Each builder takes (report, user) and returns the context the real sender gives.
Titles and names hold characters that HTML escaping would mangle ("'", "&").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

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
                "url": absolute_url(reverse("discussions:comment-detail", args=[1])),
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


def _report_assigned(report, user) -> dict:
    from django.contrib.auth import get_user_model

    by = get_user_model()(first_name="Seán", last_name="O'Hara & Co", email="sean@example.org")
    return {"report": report, "assignee": user, "by": by}


def _report_questionnaire(report, user) -> dict:
    return {
        "report": report,
        "answer_url": absolute_url(reverse("reports:questionnaire", args=["signed-token"])),
        "expires_at": timezone.now(),
    }


def _report_reopened(report, user) -> dict:
    return {"report": report, "authority": report.authority, "note": f"Still there on {TRICKY}."}


def _alert(report, user):
    from alerts.models import Alert

    return Alert(pk=1, kind=Alert.Kind.SERVICE, service=report.service, email="a@example.org")


def _alert_confirm(report, user) -> dict:
    return {
        "alert": _alert(report, user),
        "confirm_url": absolute_url(reverse("alerts:confirm", args=["token"])),
    }


def _alert_digest(report, user) -> dict:
    from reports.models import ReportUpdate

    stop = absolute_url(reverse("alerts:unsubscribe", args=["token"]))
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
        "admin_path": reverse("admin:delivery_delivery_change", args=[1]),
    }


def _report_confirm_email(report, user) -> dict:
    from reports.models import PendingReport

    pending = PendingReport(
        email="zoe@example.org",
        name="Zoë O'Neil",
        service=report.service,
        lat=report.lat or 0,
        lon=report.lon or 0,
        title=f"Rubbish on {TRICKY}",
        expires_at=timezone.now() + timedelta(days=7),
    )
    return {
        "pending": pending,
        "confirm_path": reverse("reports:guest-confirm", args=["token"]),
        "days": 7,
    }


def _volunteer(template: str, **extra) -> Callable:
    """A volunteer-call email as volunteers.emails sends it, for a call on the report."""

    def build(report, user) -> dict:
        from volunteers.models import Opportunity, Signup

        start = timezone.now() + timedelta(days=3)
        opportunity = Opportunity(
            pk=1,
            thread=report.thread,
            title=f"Clean-up at {TRICKY}",
            start_at=start,
            end_at=start + timedelta(hours=2),
            meeting_point="The north gate & the café",
            what_to_bring="Gloves, a friend's rake",
            capacity=12,
            organiser=user,
        )
        token = "token"
        return {
            "opportunity": opportunity,
            "call_url": absolute_url(opportunity.get_absolute_url()),
            "page_url": absolute_url(report.thread.get_absolute_url()),
            "ics_url": absolute_url(reverse("volunteers:ics", args=[1])),
            "recipient_name": "Zoë O'Neil",
            "unsubscribe_url": absolute_url(reverse("volunteers:unsubscribe", args=[token])),
            "signup": Signup(opportunity=opportunity, user=user, note="I'll bring bags & tea"),
            **extra,
        }

    return build


SAMPLES: dict[str, Callable] = {
    "report-confirm-email": _report_confirm_email,
    "volunteer-confirmed": _volunteer("confirmed"),
    "volunteer-waitlisted": _volunteer("waitlisted"),
    "volunteer-promoted": _volunteer("promoted"),
    "volunteer-moved": _volunteer("moved"),
    "volunteer-reminder": _volunteer("reminder"),
    "volunteer-close": _volunteer("close"),
    "volunteer-changed": _volunteer(
        "changed", changes="The start moved to Sunday & the place to O'Hara's yard"
    ),
    "volunteer-cancelled": _volunteer("cancelled", reason="Storm & flood warning"),
    "volunteer-message": _volunteer("message", message="Meet at Joe's café & bring water"),
    "delivery-stuck": _delivery_stuck,
    "alert-confirm": _alert_confirm,
    "alert-digest": _alert_digest,
    "report-questionnaire": _report_questionnaire,
    "report-reopened": _report_reopened,
    "report-status-update": _report_status_update,
    "report-assigned": _report_assigned,
    "report-confirmation": _report_confirmation,
    "report-to-authority": _report_to_authority,
    "discussion-digest": _discussion_digest,
}
