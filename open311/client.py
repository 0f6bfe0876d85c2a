"""The Open311 client: what Civic asks of an authority's GeoReport v2 back end.

- `post_request` sends a report (POST requests.json) and returns the upstream's id;
- `get_requests` fetches the current state of requests sent before (GET requests.json);
- `post_reopen` tells the back end a request is reopened (POST requests/<id>/reopen.json,
  a Civic extension that another Civic accepts as a public note and a reopening).

Every failure (an HTTP error, a timeout, a refused connection, an answer that is not
what the spec says) raises `UpstreamError` with what went wrong; the callers record it
and retry later.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from civic.links import absolute_url
from reports.models import Authority, Contact, Report

UPSTREAM_TIMEOUT = 20


class UpstreamError(Exception):
    pass


def _endpoint(authority: Authority, path: str) -> str:
    if not authority.endpoint:
        raise UpstreamError(f"{authority} has no Open311 endpoint.")
    return f"{authority.endpoint.rstrip('/')}/{path}"


def _call(url: str, data: list[tuple[str, str]] | dict | None = None) -> object:
    """GET (no data) or POST (form-encoded data) `url`; the decoded JSON answer."""
    headers = {"Accept": "application/json"}
    body = None
    if data is not None:
        body = urllib.parse.urlencode(data).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(
        url, data=body, method="POST" if body is not None else "GET", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=UPSTREAM_TIMEOUT) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode("utf-8", "replace")
        raise UpstreamError(f"HTTP {exc.code} from {url}: {detail}") from exc
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise UpstreamError(f"{url}: {exc}") from exc


def request_payload(
    report: Report, authority: Authority, contact: Contact | None
) -> list[tuple[str, str]]:
    """The POST requests fields for `report`, in the upstream's service codes."""
    first, _sep, last = report.contact_name.partition(" ")
    data = {
        "service_code": (contact.upstream_service_code if contact else "") or report.service.code,
        "lat": f"{report.lat:.6f}" if report.has_location else "",
        "long": f"{report.lon:.6f}" if report.has_location else "",
        "description": f"{report.title}\n\n{report.description}".strip(),
        "address_string": report.address,
        "email": report.contact_email,
        "first_name": first,
        "last_name": last,
        "phone": report.contact_phone,
        "media_url": _media_url(report),
    }
    if authority.api_key:
        data["api_key"] = authority.api_key
    if authority.jurisdiction:
        data["jurisdiction_id"] = authority.jurisdiction
    pairs = [(k, v) for k, v in data.items() if v]
    for code, value in (report.attributes or {}).items():
        if isinstance(value, list):
            pairs.extend((f"attribute[{code}][]", str(v)) for v in value)
        elif value not in (None, ""):
            pairs.append((f"attribute[{code}]", str(value)))
    return pairs


def _media_url(report: Report) -> str:
    photo = report.photos.first()
    if photo:
        return absolute_url(photo.image.url)
    return report.media_url


def post_request(report: Report, authority: Authority, contact: Contact | None) -> str:
    """Send `report`; the upstream's service_request_id (or token) for it."""
    url = _endpoint(authority, "requests.json")
    payload = _call(url, request_payload(report, authority, contact))
    try:
        first = payload[0]
        return str(first.get("service_request_id") or first.get("token") or "")
    except (IndexError, KeyError, TypeError, AttributeError) as exc:
        raise UpstreamError(f"Unexpected answer from {url}: {payload!r:.300}") from exc


def get_requests(authority: Authority, ids: list[str]) -> list[dict]:
    """The upstream's current view of the requests `ids` (the items that are objects)."""
    query = {"service_request_id": ",".join(ids)}
    if authority.jurisdiction:
        query["jurisdiction_id"] = authority.jurisdiction
    payload = _call(_endpoint(authority, f"requests.json?{urllib.parse.urlencode(query)}"))
    if not isinstance(payload, list):
        return []
    return [item for item in payload if isinstance(item, dict)]


def post_reopen(authority: Authority, external_id: str, note: str) -> None:
    url = _endpoint(authority, f"requests/{external_id}/reopen.json")
    data = {"api_key": authority.api_key, "description": note}
    if authority.jurisdiction:
        data["jurisdiction_id"] = authority.jurisdiction
    _call(url, data)
