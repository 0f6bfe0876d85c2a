"""Closing the loop: "Has this been fixed?" asked of the reporter, "Still broken"
from residents, and a reopened report going back to its authorities.

- `send_questionnaires()` (worker job) asks each reporter once, a while after their
  report was sent or as soon as staff mark it fixed, by a signed link;
- `answer_questionnaire()` takes the answer (the link works once and expires):
  "Yes, fixed" closes it as fixed by the reporter, "No" reopens it;
- `confirm_still_broken()` counts residents' confirmations on a fixed or closed
  report and reopens it at the threshold (1 for the reporter, 3 for others);
- the authorities it was delivered to hear of a reopening from delivery
  (`reports.events.RETURNED`, delivery/reopen_notices.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civic import versions
from civic.links import absolute_url
from civic.models import language_of
from civic.outbox import queue_email
from discussions.actions import NotAllowed
from reports.actions import change_state, reopen_report
from reports.models import Photo, Questionnaire, Report, StillBroken

logger = logging.getLogger(__name__)

TOKEN_SALT = "reports.questionnaire"


def questionnaire_token(questionnaire: Questionnaire) -> str:
    return signing.dumps(questionnaire.pk, salt=TOKEN_SALT, compress=False)


def questionnaire_url(questionnaire: Questionnaire) -> str:
    return absolute_url(reverse("reports:questionnaire", args=[questionnaire_token(questionnaire)]))


class LinkError(Exception):
    """A questionnaire link that is broken, expired or already used: `message` says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def questionnaire_for_token(token: str, now: datetime | None = None) -> Questionnaire:
    """The open questionnaire behind a link, or LinkError."""
    now = now or timezone.now()
    try:
        pk = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature as exc:
        raise LinkError(_("This link is not valid. Please use the link from your email.")) from exc
    questionnaire = (
        Questionnaire.objects.select_related("report__service", "report__authority")
        .filter(pk=pk)
        .first()
    )
    if questionnaire is None or questionnaire.report.is_hidden:
        raise LinkError(_("This link is not valid. Please use the link from your email."))
    if questionnaire.answered_at is not None:
        raise LinkError(
            _("You have already answered, thank you. The report page shows where it is.")
        )
    if questionnaire.expires_at <= now:
        raise LinkError(
            _("This link has expired. You can still say it is broken on the report page.")
        )
    return questionnaire


def _due_reports(now: datetime):
    delay = timedelta(days=settings.QUESTIONNAIRE_DELAY_DAYS)
    asked_ever = Questionnaire.objects.filter(report=OuterRef("pk"))
    asked_since_closed = asked_ever.filter(created_at__gte=OuterRef("closed_at"))
    # Sent to an authority a while ago: through the report's deliveries (delivery/), by
    # their relation's name, so that reports needs no import of the room above.
    sent_long_ago = Report.objects.filter(
        pk=OuterRef("pk"), deliveries__state="sent", deliveries__sent_at__lte=now - delay
    )
    return (
        Report.objects.visible()
        .exclude(contact_email="")
        .filter(
            # A while after it was sent and still open: ask once.
            (Q(state__in=Report.OPEN_STATES) & Exists(sent_long_ago) & ~Exists(asked_ever))
            # Marked fixed by staff: ask whether it really is, once per fix.
            | (Q(state=Report.State.FIXED) & ~Exists(asked_since_closed))
        )
        .select_related("service", "reporter__profile")
    )


def send_questionnaires(now: datetime | None = None, limit: int = 100) -> int:
    """Ask each due reporter "Has this been fixed?" once; returns how many were asked."""
    now = now or timezone.now()
    asked = 0
    for report in _due_reports(now).order_by("pk")[:limit]:
        with transaction.atomic():
            questionnaire = Questionnaire.objects.create(
                report=report,
                sent_to=report.contact_email,
                created_at=now,
                expires_at=now + timedelta(days=settings.QUESTIONNAIRE_LINK_DAYS),
            )
            with translation.override(language_of(report.reporter)):
                queue_email(
                    report.contact_email,
                    "report-questionnaire",
                    {
                        "report": report,
                        "answer_url": questionnaire_url(questionnaire),
                        "expires_at": questionnaire.expires_at,
                    },
                )
        asked += 1
    return asked


@transaction.atomic
def answer_questionnaire(questionnaire: Questionnaire, answer: str, *, note: str = "", now=None):
    """Record the reporter's answer once; "fixed" closes the report as fixed by the
    reporter, "not fixed" reopens it with a public timeline entry."""
    now = now or timezone.now()
    taken = Questionnaire.objects.filter(pk=questionnaire.pk, answered_at__isnull=True).update(
        answered_at=now, answer=answer
    )
    if not taken:  # answered meanwhile, in another tab
        raise LinkError(
            _("You have already answered, thank you. The report page shows where it is.")
        )
    report = questionnaire.report
    by = report.reporter
    if answer == Questionnaire.Answer.FIXED:
        if report.state != Report.State.FIXED:
            change_state(
                report,
                Report.State.FIXED,
                by=by,
                note=note or _("Fixed, says the person who reported it."),
                is_official=False,
                now=now,
            )
        return report
    text = note or _("Still there, says the person who reported it.")
    if report.is_open:
        change_state(report, report.state, by=by, note=text, is_official=False, now=now)
    else:
        reopen_report(report, by=by, note=text, now=now)
    return report


def confirmations_needed(report: Report, user) -> int:
    if report.reporter_id and user.pk == report.reporter_id:
        return settings.REOPEN_CONFIRMATIONS_REPORTER
    return settings.REOPEN_CONFIRMATIONS_OTHERS


def _since_closed(report: Report):
    qs = StillBroken.objects.filter(report=report)
    if report.closed_at:
        qs = qs.filter(created_at__gte=report.closed_at)
    return qs


def has_confirmed(report: Report, user) -> bool:
    return user.is_authenticated and _since_closed(report).filter(user=user).exists()


@transaction.atomic
def confirm_still_broken(report: Report, user, *, note: str = "", photos=(), now=None) -> bool:
    """A signed-in resident says a fixed or closed report is still broken. Returns True
    when this confirmation reopened it."""
    now = now or timezone.now()
    report = (
        Report.objects.select_for_update(of=("self",)).select_related("authority").get(pk=report.pk)
    )
    if report.is_open or report.is_hidden or report.state == Report.State.DUPLICATE:
        raise NotAllowed(_("Only a fixed or closed report can be reported as still broken."))
    if _since_closed(report).filter(user=user).exists():
        raise NotAllowed(_("You have already said this is still broken."))
    StillBroken.objects.create(report=report, user=user, note=note, created_at=now)
    # The report's page, as they see it, says they confirmed.
    versions.bump(versions.REPORTS, thread=report.thread_id)
    if photos:
        versions.bump(versions.REPORTS)  # the API lists a report's photos
    order = report.photos.count()
    for n, processed in enumerate(photos):
        photo = Photo(
            report=report, order=order + n, width=processed.width, height=processed.height
        )
        photo.image.save("photo.jpg", ContentFile(processed.image), save=False)
        photo.thumbnail.save("thumb.jpg", ContentFile(processed.thumbnail), save=False)
        photo.save()
    confirmations = _since_closed(report).count()
    reporter_said = report.reporter_id is not None and (
        _since_closed(report).filter(user_id=report.reporter_id).count()
        >= settings.REOPEN_CONFIRMATIONS_REPORTER
    )
    if not (reporter_said or confirmations >= settings.REOPEN_CONFIRMATIONS_OTHERS):
        return False
    reason = note or _("Still broken, say %(count)d residents.") % {"count": confirmations}
    reopen_report(report, by=user, note=reason, now=now)
    return True


# ---------------------------------------------------------------------------
# Back to the authority
