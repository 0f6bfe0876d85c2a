"""What a person may do with their own account as a whole: take a copy of their
data, and leave (their reports stay, without anything that names them)."""

from __future__ import annotations

from django.db import transaction

from alerts.matching import export_alerts
from civic import versions
from civic.models import Profile
from discussions.models import Comment, Follow, Support, Thread
from reports.actions import forget_reporter
from reports.models import Report


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def export_user_data(user) -> dict:
    """Everything the site holds about `user`, as plain JSON-ready data."""
    profile = Profile.objects.filter(user=user).first()
    reports = Report.objects.filter(reporter=user).select_related("service").order_by("pk")
    comments = Comment.objects.filter(author=user).select_related("thread").order_by("pk")
    data = {
        "account": {
            "email": user.email,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "display_name": profile.display_name if profile else "",
            "show_name_on_reports": profile.show_name_on_reports if profile else False,
            "language": profile.language if profile else "",
            "email_preferences": {
                field: getattr(profile, field)
                if profile
                else Profile._meta.get_field(field).default
                for field in Profile.EMAIL_KINDS
            },
        },
        "reports": [
            {
                "id": r.pk,
                "service": r.service.code,
                "title": r.title,
                "description": r.description,
                "lat": r.lat,
                "lon": r.lon,
                "address": r.address,
                "answers": r.attributes,
                "state": r.state,
                "show_name": r.show_name,
                "contact_name": r.contact_name,
                "contact_email": r.contact_email,
                "contact_phone": r.contact_phone,
                "requested_at": _iso(r.requested_at),
                "updated_at": _iso(r.updated_at),
            }
            for r in reports
        ],
        "comments": [
            {
                "id": c.pk,
                "thread": c.thread.title,
                "body": c.body,
                "deleted": c.is_deleted,
                "created_at": _iso(c.created_at),
                "edited_at": _iso(c.edited_at),
            }
            for c in comments
        ],
        "topics": [
            {"id": t.pk, "kind": t.kind, "title": t.title, "body": t.body}
            for t in Thread.objects.topics().filter(author=user).order_by("pk")
        ],
        "follows": [
            {"thread": f.thread.title, "since": _iso(f.created_at)}
            for f in Follow.objects.filter(user=user).select_related("thread").order_by("pk")
        ],
        "supports": [
            {"thread": s.thread.title, "since": _iso(s.created_at)}
            for s in Support.objects.filter(user=user).select_related("thread").order_by("pk")
        ],
    }
    # Data other parts of the site keep about the person.
    data["alerts"] = export_alerts(user)
    return data


def renew_pages_that_name(user) -> None:
    """A person's shown name is on their reports, comments, topics and calls: every kept
    page that may show it is built again (a display name changed, an account deleted)."""
    for name in (versions.REPORTS, versions.THREADS, versions.VOLUNTEERS):
        versions.bump(name)


@transaction.atomic
def delete_account(user) -> None:
    """Remove the account. Reports stay public but lose every trace of the person
    (private contact details, the name shown); comments stay as "Former member"."""
    forget_reporter(user)
    renew_pages_that_name(user)
    user.delete()
