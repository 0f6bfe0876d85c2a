"""The email outbox: queue mail inside a transaction, send it from the worker."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_tags

from civic.models import OutboundEmail, backoff

logger = logging.getLogger(__name__)

# A row claimed longer ago than this belongs to a worker that died mid-send.
STALE_CLAIM = timedelta(minutes=10)


def queue_email(
    to: str, template: str, context: dict, headers: dict | None = None
) -> OutboundEmail | None:
    """Render templates/emails/<template>-{subject,body}.txt (+ -body.html) into the outbox."""
    if not to:
        return None
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{template}-subject.txt", context).split())
    body_text = render_to_string(f"emails/{template}-body.txt", context)
    try:
        body_html = render_to_string(f"emails/{template}-body.html", context)
    except Exception:  # noqa: BLE001 - the HTML part is optional
        body_html = ""
    return OutboundEmail.objects.create(
        to=to,
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
        headers=headers or {},
    )


def queue_message(message: EmailMessage) -> list[OutboundEmail]:
    """Put an already rendered message (e.g. allauth's) into the outbox, one row per recipient."""
    html = ""
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            html = content
    text = message.body
    if message.content_subtype == "html":
        html, text = message.body, strip_tags(message.body)
    return [
        OutboundEmail.objects.create(
            to=to,
            subject=message.subject[:255],
            body_text=text,
            body_html=html,
            headers=dict(message.extra_headers),
        )
        for to in message.to
    ]


def claim(email_id: int, now) -> bool:
    """Claim one row with a conditional update, so two workers never send it twice."""
    return bool(
        OutboundEmail.objects.filter(pk=email_id)
        .filter(
            Q(state=OutboundEmail.State.PENDING, next_attempt_at__lte=now)
            | Q(state=OutboundEmail.State.SENDING, claimed_at__lt=now - STALE_CLAIM)
        )
        .update(state=OutboundEmail.State.SENDING, claimed_at=now)
    )


def send_one(email: OutboundEmail) -> bool:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers=email.headers or None,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    now = timezone.now()
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any backend failure is retried
        attempts = email.attempts + 1
        OutboundEmail.objects.filter(pk=email.pk).update(
            state=OutboundEmail.State.PENDING,
            attempts=attempts,
            next_attempt_at=now + backoff(attempts),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            claimed_at=None,
        )
        logger.warning("email %s to %s failed (attempt %s): %s", email.pk, email.to, attempts, exc)
        return False
    OutboundEmail.objects.filter(pk=email.pk).update(
        state=OutboundEmail.State.SENT, attempts=email.attempts + 1, sent_at=now, last_error=""
    )
    return True


def send_due_emails(limit: int = 100) -> int:
    """Send every due email (up to `limit`); returns how many went out."""
    now = timezone.now()
    candidates = list(
        OutboundEmail.objects.filter(
            Q(state=OutboundEmail.State.PENDING, next_attempt_at__lte=now)
            | Q(state=OutboundEmail.State.SENDING, claimed_at__lt=now - STALE_CLAIM)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in candidates:
        with transaction.atomic():
            if not claim(pk, now):
                continue
        email = OutboundEmail.objects.get(pk=pk)
        sent += send_one(email)
    return sent
