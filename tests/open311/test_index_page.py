from __future__ import annotations

from django.urls import reverse

from tests import factories


def test_developer_page_lists_endpoints_examples_and_how_to_get_a_key(client, full_service):
    factories.make_service(code="graffiti", name="Graffiti", group="Cleaning")

    response = client.get(reverse("open311:index"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    for text in (
        "http://testserver/open311/v2",
        "/open311/v2/discovery.json",
        "/open311/v2/openapi.json",
        "/open311/v2/services/graffiti.json",
        "requests.json",
        "tokens/&lt;token&gt;.json",
        "attribute[code][]",
        'id="keys"',
        "create_api_key",
        "&quot;service_request_id&quot;: &quot;1234&quot;",  # the example answer, escaped
        "&lt;service_requests&gt;",
        "civic.localhost",
        "Graffiti",
    ):
        assert text in page, text


def test_developer_page_works_with_no_services(client, db):
    assert client.get(reverse("open311:index")).status_code == 200


def test_developer_page_runs_one_query(client, full_service, django_assert_num_queries):
    with django_assert_num_queries(1):  # the services
        client.get(reverse("open311:index"))
