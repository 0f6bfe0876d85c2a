"""Open311 output: the same data as JSON or XML, and the spec's error list.

The data is built once as plain Python (dicts, lists, strings, numbers,
booleans, None) and rendered in the requested format. XML follows the GeoReport
v2 examples and the "Spark convention" the spec names: a list becomes a plural
element holding one singular element per item (`services`/`service`,
`service_requests`/`request`, `errors`/`error`, ...), the way FixMyStreet's
Open311::Endpoint::Spark does it; JSON drops the root element.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import orjson
from django.http import HttpResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# Element names for the items of each list (the spec's "⇊"/"↴" pairs).
SINGULAR = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
    "photos": "photo",
    "service_request_updates": "request_update",
    "extensions": "extension",
}

# XML 1.0 cannot carry these characters even escaped; a stray control character
# in a description must not make the whole document unreadable.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Open311Error(Exception):
    """An error answered as the spec's error list, with this HTTP status."""

    def __init__(self, status: int, *descriptions: str, headers: dict | None = None):
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = list(descriptions) or ["Error"]
        self.headers = headers or {}


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_ILLEGAL.sub("", str(value))


_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _write(parts: list[str], name: str, value) -> None:
    """One element: what ElementTree would write, built as strings (several times faster)."""
    if isinstance(value, dict | list | tuple):
        if not value:
            parts.append(f"<{name} />")
            return
        parts.append(f"<{name}>")
        _fill(parts, name, value)
        parts.append(f"</{name}>")
        return
    text = "" if value is None else _text(value).translate(_ESCAPES)
    parts.append(f"<{name}>{text}</{name}>" if text else f"<{name} />")


def _fill(parts: list[str], name: str, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _write(parts, key, item)
    elif isinstance(value, list | tuple):
        singular = SINGULAR.get(name, name.removesuffix("s") or "item")
        for item in value:
            _write(parts, singular, item)
    else:
        parts.append(_text(value).translate(_ESCAPES))


def to_xml(root: str, data) -> bytes:
    parts = [XML_DECLARATION]
    _write(parts, root, data)
    return "".join(parts).encode("utf-8")


def to_json(data) -> bytes:
    # default=str: lazily translated strings and the like are written as text.
    return orjson.dumps(data, default=str)


def render(fmt: str, root: str, data, status: int = 200, headers: dict | None = None):
    """An HttpResponse of `data` in `fmt`; `root` names the XML root element."""
    body = to_xml(root, data) if fmt == "xml" else to_json(data)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    # The data is public; let browser apps on other origins read it.
    response["Access-Control-Allow-Origin"] = "*"
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def error_response(
    fmt: str, status: int, descriptions: Iterable[str], headers: dict | None = None
) -> HttpResponse:
    errors = [{"code": status, "description": str(d)} for d in descriptions]
    return render(fmt if fmt in FORMATS else "json", "errors", errors, status, headers)
