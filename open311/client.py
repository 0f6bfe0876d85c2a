"""The Open311 client: what Civic asks of an authority's GeoReport v2 back end.

- `post_request` sends a report (POST requests.json) and returns the upstream's id;
- `get_requests` fetches the current state of requests sent before (GET requests.json);
- `post_update` sends a resident's update or a reopening (POST servicerequestupdates.json,
  mySociety's extension; another Civic takes it from the key that submitted the request
  as a public note, and a reopening when the status is open again);
- `get_services` and `get_service_definition` read the back end's categories;
- `get_requests_updated` pages through the requests changed since a moment (made there
  or here), for importing what was made elsewhere.

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


def _with_jurisdiction(authority: Authority, data: dict) -> dict:
    if authority.jurisdiction:
        data["jurisdiction_id"] = authority.jurisdiction
    return data


def post_update(
    authority: Authority,
    external_id: str,
    *,
    update_id: str,
    description: str,
    status: str,
    at,
) -> str:
    """Send one update on the upstream's request `external_id`; the upstream's update_id.

    `status` is OPEN or CLOSED (the report's here, or OPEN to reopen it). Only the text
    goes: nothing of who wrote it leaves Civic with an update.
    """
    url = _endpoint(authority, "servicerequestupdates.json")
    data = _with_jurisdiction(
        authority,
        {
            "api_key": authority.api_key,
            "service_request_id": external_id,
            "update_id": update_id,
            "updated_datetime": at.isoformat(timespec="seconds"),
            "status": status,
            "description": description,
        },
    )
    payload = _call(url, {k: v for k, v in data.items() if v})
    try:
        return str(payload[0].get("update_id") or "")
    except (IndexError, KeyError, TypeError, AttributeError) as exc:
        raise UpstreamError(f"Unexpected answer from {url}: {payload!r:.300}") from exc


def _list_of_objects(url: str, payload: object) -> list[dict]:
    if not isinstance(payload, list):
        raise UpstreamError(f"Unexpected answer from {url}: {payload!r:.300}")
    return [item for item in payload if isinstance(item, dict)]


def get_services(authority: Authority) -> list[dict]:
    """The upstream's services.json: each service's code, name, group, metadata flag."""
    query = urllib.parse.urlencode(_with_jurisdiction(authority, {}))
    url = _endpoint(authority, "services.json" + (f"?{query}" if query else ""))
    return _list_of_objects(url, _call(url))


def get_service_definition(authority: Authority, code: str) -> list[dict]:
    """The attributes of one upstream service (services/<code>.json)."""
    query = urllib.parse.urlencode(_with_jurisdiction(authority, {}))
    path = f"services/{urllib.parse.quote(code, safe='')}.json"
    url = _endpoint(authority, path + (f"?{query}" if query else ""))
    payload = _call(url)
    if not isinstance(payload, dict) or not isinstance(payload.get("attributes", []), list):
        raise UpstreamError(f"Unexpected answer from {url}: {payload!r:.300}")
    return [item for item in payload.get("attributes", []) if isinstance(item, dict)]


def get_requests_updated(authority: Authority, after, *, page: int, page_size: int) -> list[dict]:
    """One page of the upstream's requests updated at or after `after` (the updated_after
    extension; a back end that ignores it answers its default window, which the
    importer reads just the same)."""
    query = _with_jurisdiction(
        authority,
        {
            "updated_after": after.isoformat(timespec="seconds"),
            "page": page,
            "page_size": page_size,
            "extensions": "true",
        },
    )
    url = _endpoint(authority, f"requests.json?{urllib.parse.urlencode(query)}")
    return _list_of_objects(url, _call(url))
