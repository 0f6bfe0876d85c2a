from __future__ import annotations

import pytest

from tests import factories
from tests.open311.conftest import (
    API,
    JSON_TYPE,
    XML_TYPE,
    assert_errors,
    assert_xml_equals,
    decode,
)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_lists_the_v2_endpoint_and_links_the_openapi_description(client, db, fmt):
    response = client.get(f"{API}/discovery.{fmt}")

    assert response.status_code == 200
    expected = {
        "changeset": "2026-12-02T00:00:00Z",
        "contact": "Civic: see http://testserver/open311/ for documentation and contacts.",
        "key_service": "Reading needs no key. To submit requests, ask the site's staff for an "
        "api_key: http://testserver/open311/#keys",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": "http://testserver/open311/v2",
                "changeset": "2026-12-02T00:00:00Z",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
        "openapi_url": "http://testserver/open311/v2/openapi.json",
        "extensions": [
            {
                "name": "servicerequestupdates",
                "specification": "https://github.com/mysociety/fixmystreet/wiki/"
                "Open311-FMS---Proposed-differences-to-Open311",
                "url": "http://testserver/open311/v2/servicerequestupdates",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    body = decode(response)
    if fmt == "json":
        assert response["Content-Type"] == JSON_TYPE
        assert body == expected
    else:
        assert response["Content-Type"] == XML_TYPE
        assert body.tag == "discovery"
        assert_xml_equals(body, expected)
    assert response["Link"] == '<http://testserver/open311/v2/openapi.json>; rel="service-desc"'


def test_openapi_description_is_served_with_this_servers_url(client, db):
    response = client.get(f"{API}/openapi.json")

    assert response.status_code == 200
    assert response["Content-Type"] == JSON_TYPE
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": "http://testserver/open311/v2"}]
    assert set(document["paths"]) == {
        "/discovery.{format}",
        "/services.{format}",
        "/services/{service_code}.{format}",
        "/requests.{format}",
        "/requests/{service_request_id}.{format}",
        "/tokens/{token}.{format}",
        "/servicerequestupdates.{format}",
    }
    assert set(document["paths"]["/requests.{format}"]) == {"get", "post"}
    assert set(document["paths"]["/servicerequestupdates.{format}"]) == {"get", "post"}


def test_service_list_has_every_field_in_json(client, full_service):
    factories.make_service(
        code="graffiti",
        name="Graffiti",
        group="Cleaning",
        keywords="paint, tag",
        description="Paint on walls",
        type="batch",
    )
    factories.make_service(code="gone", name="Retired", is_active=False)

    response = client.get(f"{API}/services.json")

    assert response.status_code == 200
    assert response["Content-Type"] == JSON_TYPE
    assert response.json() == [
        # Ordered by group, then order, then name.
        {
            "service_code": "pothole",
            "service_name": "Pothole",
            "description": "",
            "metadata": True,
            "type": "realtime",
            "keywords": "",
            "group": "",
        },
        {
            "service_code": "graffiti",
            "service_name": "Graffiti",
            "description": "Paint on walls",
            "metadata": False,
            "type": "batch",
            "keywords": "paint, tag",
            "group": "Cleaning",
        },
    ]


def test_service_list_xml_matches_json_element_by_element(client, full_service):
    factories.make_service(code="graffiti", name="Graffiti & <tags>", group="Cleaning")

    data = client.get(f"{API}/services.json").json()
    response = client.get(f"{API}/services.xml")

    assert response.status_code == 200
    root = decode(response)
    assert root.tag == "services"
    assert_xml_equals(root, data)
    assert root.find("service[2]/service_name").text == "Graffiti & <tags>"
    assert root.find("service[1]/metadata").text == "true"


def test_service_definition_json_has_every_attribute_field(client, full_service):
    response = client.get(f"{API}/services/pothole.json")

    assert response.status_code == 200
    definition = response.json()
    assert definition["service_code"] == "pothole"
    attributes = definition["attributes"]
    assert [a["code"] for a in attributes] == [
        "depth",
        "size",
        "hazards",
        "seen",
        "landmark",
        "details",
        "notice",
    ]
    # Distinct positive orders, 1 first, as the spec requires.
    assert [a["order"] for a in attributes] == [1, 2, 3, 4, 5, 6, 7]
    assert attributes[0] == {
        "variable": True,
        "code": "depth",
        "datatype": "number",
        "required": True,
        "datatype_description": "A number",
        "order": 1,
        "description": "How deep is it (cm)?",
        "values": [],
    }
    assert attributes[1] == {
        "variable": True,
        "code": "size",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": None,
        "order": 2,
        "description": "How big is it?",
        "values": [
            {"key": "s", "name": "Small"},
            {"key": "m", "name": "Medium"},
            {"key": "l", "name": "Large"},
        ],
    }
    assert [a["datatype"] for a in attributes] == [
        "number",
        "singlevaluelist",
        "multivaluelist",
        "datetime",
        "string",
        "text",
        "string",
    ]
    assert attributes[6]["variable"] is False


def test_service_definition_xml_matches_json_element_by_element(client, full_service):
    data = client.get(f"{API}/services/pothole.json").json()
    response = client.get(f"{API}/services/pothole.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == XML_TYPE
    root = decode(response)
    assert root.tag == "service_definition"
    assert_xml_equals(root, data)
    size = root.find("attributes/attribute[2]")
    assert size.findtext("code") == "size"
    assert [v.findtext("key") for v in size.findall("values/value")] == ["s", "m", "l"]
    assert root.find("attributes/attribute[1]/datatype_description").text == "A number"


def test_service_without_attributes_has_an_empty_definition(client, service):
    response = client.get(f"{API}/services/pothole.json")

    assert response.json() == {"service_code": "pothole", "attributes": []}


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("code", ["nope", "gone", "bad%20code", "..", "a.b"])
def test_unknown_or_inactive_service_definition_is_404(client, db, fmt, code):
    factories.make_service(code="gone", is_active=False)

    response = client.get(f"{API}/services/{code}.{fmt}")

    assert_errors(response, 404, "not found", fmt=fmt)


@pytest.mark.parametrize(
    "url", ["services.json", "services/pothole.json", "discovery.json", "requests.json"]
)
def test_a_configured_or_empty_jurisdiction_is_accepted_and_another_is_404(client, service, url):
    assert client.get(f"{API}/{url}?jurisdiction_id=civic.localhost").status_code == 200
    assert client.get(f"{API}/{url}?jurisdiction_id=CIVIC.localhost").status_code == 200
    assert client.get(f"{API}/{url}?jurisdiction_id=").status_code == 200

    response = client.get(f"{API}/{url}?jurisdiction_id=sfgov.org")

    assert_errors(response, 404, "jurisdiction_id 'sfgov.org' not found")


@pytest.mark.parametrize("rows", [1, 50])
def test_service_list_runs_a_constant_number_of_queries(
    client, db, django_assert_num_queries, rows
):
    for _ in range(rows):
        service = factories.make_service()
        factories.make_attribute(service)
    with django_assert_num_queries(2):
        # 1. the services' data version (not yet in the shared cache)
        # 2. services with their attribute count
        response = client.get(f"{API}/services.json")
    assert len(response.json()) == rows
    with django_assert_num_queries(0):  # built already, and the version is in the cache
        assert client.get(f"{API}/services.json").json() == response.json()


def test_service_definition_runs_three_queries(client, full_service, django_assert_num_queries):
    with django_assert_num_queries(3):  # the services' data version; the service; its attributes
        client.get(f"{API}/services/pothole.json")
