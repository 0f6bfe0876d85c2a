"""The email outbox: queue mail inside a transaction, send it from the worker."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_tags

from civic.models import OutboundEmail

logger = logging.getLogger(__name__)


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
    except TemplateDoesNotExist:  # the HTML part is optional; a broken one is a bug
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
    # Checked again right before sending: a slow round must not send a row that another
    # worker has taken since (or sent).
    if not email.still_claimed():
        return False
    now = timezone.now()
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any backend failure is retried
        email.mark_failed(exc, now)
        return False
    email.mark_sent(now)
    return True


def send_due_emails(limit: int = 100) -> int:
    """Send every due email (up to `limit`); returns how many went out."""
    now = timezone.now()
    sent = 0
    for pk in OutboundEmail.due_ids(now, limit):
        if OutboundEmail.claim(pk):
            sent += send_one(OutboundEmail.objects.get(pk=pk))
    return sent
