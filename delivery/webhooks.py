"""Outgoing webhooks: an authority's own systems hear of its reports as they change.

`emit` is called by delivery/handlers.py (on reports.events) inside the transaction of the change, so an
event is queued exactly when the change commits. The worker (`send_due_webhooks`, a
job in reports/jobs.py) POSTs each queued event as JSON, signed:

    X-Civic-Event:      report.created | report.updated | report.reopened
    X-Civic-Delivery:   a UUID, the same on every retry of one event (receivers dedupe)
    X-Civic-Signature:  t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>

A 2xx answer marks the event sent, and it is never sent again; anything else (another
status, a timeout, a refused connection) is retried with the worker's backoff, up to
settings.WEBHOOK_MAX_ATTEMPTS tries, after which it waits in the admin for "retry now".
The payload holds public fields only: the Open311 representation of the request (with
its extensions), and the timeline entry the event is about.

A webhook never reaches inside the network Civic runs in: the address its host resolves
to must be a public one (not loopback, private, link-local, such as the cloud metadata
service at 169.254.169.254, shared or reserved), checked when the connection is made and
to the very address connected to, so a name that resolves elsewhere the second time
gains nothing. A redirect is never followed. Hosts named in
settings.WEBHOOK_ALLOWED_HOSTS (a receiver on the same machine, for testing) are exempt.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.links import absolute_url
from delivery.models import Webhook, WebhookDelivery
from reports.models import Report, ReportUpdate

logger = logging.getLogger(__name__)

EVENTS = Webhook.Event.values


class _SiteUrls:
    """What the Open311 serialisers ask of a request, answered from settings.SITE_URL."""

    def build_absolute_uri(self, location: str) -> str:
        return absolute_url(location)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Civic-Signature header's value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def payload(report: Report, event: str, update: ReportUpdate | None) -> dict:
    """The public body of one event (see the Open311 page for its description)."""
    from open311.serializers import request_data, requests_queryset, update_data

    full = requests_queryset(extensions=True).get(pk=report.pk)
    entry = None
    if update is not None:
        update.state_then = full.state if update.state == "" else update.state
        entry = update_data(update, extensions=True)
    return {
        "event": event,
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "authority": full.authority.slug if full.authority else None,
        "service_request": request_data(_SiteUrls(), full, extensions=True),
        "update": entry,
    }


def emit(report: Report, event: str, update: ReportUpdate | None = None, authorities=()) -> int:
    """Queue `event` for the active webhooks of the report's authority (and of
    `authorities`, e.g. the one a report was passed on from) that want it.

    Nothing for a hidden report: webhooks carry what the public may see. Returns the
    number of deliveries queued.
    """
    if report.is_hidden:
        return 0
    ids = {a.pk for a in authorities if a is not None}
    if report.authority_id:
        ids.add(report.authority_id)
    if not ids:
        return 0
    hooks = [
        hook
        for hook in Webhook.objects.filter(authority_id__in=ids, is_active=True).only(
            "id", "events"
        )
        if event in (hook.events or [])
    ]
    if not hooks:
        return 0
    body = payload(report, event, update)
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            webhook=hook,
            report_id=report.pk,
            event=event,
            payload=body,
            next_attempt_at=now,
            created_at=now,
        )
        for hook in hooks
    )
    return len(hooks)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer that is not 2xx: recorded and retried, never followed."""

    def redirect_request(self, *args, **kwargs):
        return None


class RefusedAddress(OSError):
    """The webhook's host is, or resolves to, an address inside the network."""


def refusal(host: str, address: str) -> str | None:
    """Why `address` (what `host` resolved to) may not receive a webhook, or None."""
    if host.lower() in {h.lower() for h in settings.WEBHOOK_ALLOWED_HOSTS}:
        return None
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_global and not ip.is_multicast:
        return None
    return _("%(host)s is at %(ip)s, an address inside the network") % {"host": host, "ip": ip}


def inside_the_network(url: str) -> str | None:
    """For the form: why `url` could never receive a webhook, or None. A host that does
    not resolve now passes (it may by the time of the first event; each send checks)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError):
        return None
    for *_rest, sockaddr in found:
        reason = refusal(host, sockaddr[0])
        if reason:
            return reason
    return None


def _connect(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
    """socket.create_connection for webhooks: the host's addresses tried in turn, and
    refused as a whole as soon as one of them is inside the network."""
    host, port = address
    error: OSError | None = None
    for family, kind, proto, _name, sockaddr in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    ):
        reason = refusal(host, sockaddr[0])
        if reason:
            raise RefusedAddress(reason)
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"{host} did not resolve")


class _Checked:
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect  # http.client sets socket.create_connection


class _CheckedHTTPConnection(_Checked, http.client.HTTPConnection):
    pass


class _CheckedHTTPSConnection(_Checked, http.client.HTTPSConnection):
    pass


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_CheckedHTTPConnection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_CheckedHTTPSConnection, req, context=self._context)


# No proxy: the address checked must be the receiver's own, not a proxy's.
_opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), _NoRedirects, _CheckedHTTPHandler, _CheckedHTTPSHandler
)


class WebhookError(Exception):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def post(delivery: WebhookDelivery) -> int:
    """POST one delivery; returns the 2xx status or raises WebhookError."""
    hook = delivery.webhook
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    request = urllib.request.Request(
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"{settings.SITE_NAME} webhooks",
            "X-Civic-Event": delivery.event,
            "X-Civic-Delivery": str(delivery.delivery_id),
            "X-Civic-Signature": signature(hook.secret, int(time.time()), body),
        },
    )
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode("utf-8", "replace")
        raise WebhookError(f"HTTP {exc.code}: {detail}", exc.code) from exc
    except urllib.error.URLError as exc:
        raise WebhookError(f"{hook.url}: {exc.reason}") from exc
    except (TimeoutError, OSError, ValueError) as exc:
        raise WebhookError(f"{hook.url}: {exc}") from exc
    if not 200 <= status < 300:
        raise WebhookError(f"HTTP {status}", status)
    return status


def send(delivery: WebhookDelivery) -> bool:
    now = timezone.now()
    try:
        if not delivery.webhook.is_active:
            raise WebhookError("The webhook is not active.")
        # No transaction around the network call; the claim is checked right before it.
        if not delivery.still_claimed():
            return False
        status = post(delivery)
    except WebhookError as exc:
        delivery.mark_failed(exc, now)
        fields = {"response_status": exc.status}
        if delivery.attempts + 1 >= settings.WEBHOOK_MAX_ATTEMPTS:
            fields["state"] = WebhookDelivery.State.FAILED
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
        return False
    delivery.mark_sent(now, response_status=status)
    return True


def send_due_webhooks(limit: int = 50) -> int:
    """Send every due webhook delivery (up to `limit`); returns how many succeeded."""
    done = 0
    for pk in WebhookDelivery.claim_due(limit):
        delivery = WebhookDelivery.objects.select_related("webhook").get(pk=pk)
        done += send(delivery)
    return done
