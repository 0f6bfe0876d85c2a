"""Fixtures and helpers for the Open311 API tests."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from open311.models import ApiKey
from reports.models import ServiceAttribute
from tests import factories

API = "/open311/v2"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"


@pytest.fixture
def api_key(db):
    """(key, raw): an active key that may submit."""
    return ApiKey.create_key("Test app", contact_email="dev@app.example")


@pytest.fixture
def raw_key(api_key):
    return api_key[1]


@pytest.fixture
def full_service(service, authority):
    """The pothole service asking one question of every datatype, some required."""
    Datatype = ServiceAttribute.Datatype
    factories.make_attribute(
        service,
        "depth",
        datatype=Datatype.NUMBER,
        required=True,
        order=1,
        description="How deep is it (cm)?",
        datatype_description="A number",
    )
    factories.make_attribute(
        service,
        "size",
        datatype=Datatype.SINGLEVALUELIST,
        required=True,
        order=2,
        description="How big is it?",
        values=[
            {"key": "s", "name": "Small"},
            {"key": "m", "name": "Medium"},
            {"key": "l", "name": "Large"},
        ],
    )
    factories.make_attribute(
        service,
        "hazards",
        datatype=Datatype.MULTIVALUELIST,
        order=3,
        description="Who is at risk?",
        values=[
            {"key": "cars", "name": "Cars"},
            {"key": "bikes", "name": "Cyclists"},
            {"key": "walkers", "name": "Pedestrians"},
        ],
    )
    factories.make_attribute(
        service, "seen", datatype=Datatype.DATETIME, order=4, description="When did you see it?"
    )
    factories.make_attribute(
        service, "landmark", datatype=Datatype.STRING, order=5, description="Nearest landmark"
    )
    factories.make_attribute(
        service, "details", datatype=Datatype.TEXT, order=6, description="Anything else?"
    )
    factories.make_attribute(
        service,
        "notice",
        datatype=Datatype.STRING,
        variable=False,
        order=7,
        description="Potholes deeper than 10 cm are fixed within 24 hours.",
    )
    return service


@pytest.fixture
def valid_post(raw_key):
    """A complete valid submission for full_service."""
    return {
        "api_key": raw_key,
        "service_code": "pothole",
        "lat": "51.5101",
        "long": "-0.1402",
        "attribute[depth]": "12",
        "attribute[size]": "m",
    }


def decode(response):
    """The body as Python data, checking the format's content type and declaration."""
    content_type = response["Content-Type"]
    if content_type == XML_TYPE:
        assert response.content.startswith(XML_DECLARATION), response.content[:80]
        return ET.fromstring(response.content)
    assert content_type == JSON_TYPE, content_type
    return json.loads(response.content)


def xml_text(value) -> str | None:
    """How a JSON scalar is written as XML text (null and "" are both an empty element)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def assert_xml_equals(element: ET.Element, data, singular: str | None = None) -> None:
    """The XML element holds exactly `data`, element by element, in order.

    A dict is one child per key, in the same order; a list is one `singular`
    child per item; a scalar is the element's text (None: an empty element).
    """
    if isinstance(data, dict):
        assert [child.tag for child in element] == list(data), (element.tag, list(data))
        for child, (key, value) in zip(element, data.items(), strict=True):
            assert_xml_equals(child, value, SINGULAR.get(key))
    elif isinstance(data, list):
        singular = singular or SINGULAR.get(element.tag)
        assert [child.tag for child in element] == [singular] * len(data), element.tag
        for child, value in zip(element, data, strict=True):
            assert_xml_equals(child, value)
    else:
        assert len(element) == 0, element.tag
        assert element.text == xml_text(data), (element.tag, element.text, data)


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


def assert_errors(response, status: int, *fragments: str, fmt: str = "json") -> list[str]:
    """The spec's error list with this status, in `fmt`; returns the descriptions."""
    assert response.status_code == status, response.content
    body = decode(response)
    if fmt == "xml":
        assert body.tag == "errors"
        errors = [
            {"code": int(e.findtext("code")), "description": e.findtext("description")}
            for e in body
        ]
        assert [child.tag for child in body] == ["error"] * len(errors)
        for element in body:
            assert [c.tag for c in element] == ["code", "description"]
    else:
        errors = body
        assert isinstance(errors, list)
        for error in errors:
            assert set(error) == {"code", "description"}
    assert errors, "an error list is never empty"
    assert all(e["code"] == status for e in errors)
    descriptions = [e["description"] for e in errors]
    for fragment in fragments:
        assert any(fragment in d for d in descriptions), (fragment, descriptions)
    return descriptions
