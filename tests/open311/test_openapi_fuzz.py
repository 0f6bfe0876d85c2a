"""Schema-driven fuzzing: schemathesis over our own OpenAPI description, through WSGI.

Bounded (a few dozen examples per operation) so it stays quick; it must find no
5xx and no response that breaks the description (status, content type, headers,
JSON body).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.generation import GenerationMode

from civic.wsgi import application
from open311.models import ApiKey
from reports.actions import change_state
from reports.models import Report
from tests import factories

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]
MAX_EXAMPLES = 50


@pytest.fixture
def seeded(transactional_db, full_service, authority, staff):
    """Some data for the fuzzer to find: a report with history, a key."""
    report = factories.make_report(service=full_service, attributes={"depth": 4, "size": "s"})
    change_state(report, "acknowledged", by=staff, note="On it.")
    _key, raw = ApiKey.create_key("Fuzzer")
    return report, raw


def _operations():
    schema = schemathesis.openapi.from_wsgi("/open311/v2/openapi.json", application)
    return schema, [result.ok() for result in schema.get_all_operations()]


def test_openapi_description_loads_and_covers_every_endpoint(db):
    _schema, operations = _operations()

    assert {op.label for op in operations} == {
        "GET /discovery.{format}",
        "GET /services.{format}",
        "GET /services/{service_code}.{format}",
        "GET /requests.{format}",
        "POST /requests.{format}",
        "GET /requests/{service_request_id}.{format}",
        "GET /tokens/{token}.{format}",
        "GET /servicerequestupdates.{format}",
        "POST /servicerequestupdates.{format}",
    }


def _fuzz(operation, mode: GenerationMode, raw_key: str, seen_statuses: set[int]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        if operation.method == "post" and mode == GenerationMode.POSITIVE:
            # Valid data deserves a valid key, or every POST stops at the 403.
            case.query = {**(case.query or {}), "api_key": raw_key}
        # identity: the WSGI transport would not undo the gzip that large answers get.
        response = case.call(headers={"Accept-Encoding": "identity"})
        seen_statuses.add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzing_finds_no_server_error_and_no_response_breaking_the_description(seeded, mode):
    report, raw_key = seeded
    _schema, operations = _operations()
    seen_statuses: set[int] = set()

    for operation in operations:
        _fuzz(operation, mode, raw_key, seen_statuses)

    assert 200 in seen_statuses and 404 in seen_statuses
    assert Report.objects.filter(pk=report.pk).exists()


def test_real_answers_conform_to_the_description(seeded):
    """The rich answers random data rarely reaches: a new request, lists with extensions."""
    report, raw_key = seeded
    _schema, operations = _operations()
    by_label = {op.label: op for op in operations}
    cases = [
        by_label["POST /requests.{format}"].Case(
            path_parameters={"format": fmt},
            query={"api_key": raw_key},
            body={
                "service_code": "pothole",
                "lat": 51.51,
                "long": -0.14,
                "attribute[depth]": "3",
                "attribute[size]": "l",
                "account_id": "acct-1",
            },
            media_type="application/x-www-form-urlencoded",
        )
        for fmt in ("json", "xml")
    ]
    cases.append(
        by_label["POST /requests.{format}"].Case(
            path_parameters={"format": "json"},
            query={"api_key": raw_key},
            body={
                "service_code": "pothole",
                "lat": "51.51",
                "long": "-0.14",
                "attribute[depth]": "3",
                "attribute[size]": "l",
                "media": factories.jpeg_bytes(),
            },
            media_type="multipart/form-data",
        )
    )
    for fmt in ("json", "xml"):
        for query in ({}, {"extensions": "true"}):
            cases.append(
                by_label["GET /requests.{format}"].Case(
                    path_parameters={"format": fmt}, query=query
                )
            )
            cases.append(
                by_label["GET /requests/{service_request_id}.{format}"].Case(
                    path_parameters={"format": fmt, "service_request_id": str(report.pk)},
                    query=query,
                )
            )
        cases.append(
            by_label["GET /tokens/{token}.{format}"].Case(
                path_parameters={"format": fmt, "token": report.token}
            )
        )
        cases.append(
            by_label["GET /services/{service_code}.{format}"].Case(
                path_parameters={"format": fmt, "service_code": "pothole"}
            )
        )
        cases.append(by_label["GET /discovery.{format}"].Case(path_parameters={"format": fmt}))

    for case in cases:
        # identity: the WSGI transport would not undo the gzip that large answers get.
        response = case.call(headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200, (case.path, response.text)
        case.validate_response(response, checks=CHECKS)
    assert Report.objects.filter(account_id="acct-1").count() == 2
    assert Report.objects.filter(photos__isnull=False).count() == 1


def test_servicerequestupdates_answers_conform_to_the_description(seeded, authority):
    """A back office's POST and the updates lists, in both formats, as described."""
    report, _raw_key = seeded
    _key, back_office = ApiKey.create_key("Back office", authority=authority, can_post_updates=True)
    _schema, operations = _operations()
    by_label = {op.label: op for op in operations}
    cases = []
    for fmt in ("json", "xml"):
        cases.append(
            by_label["POST /servicerequestupdates.{format}"].Case(
                path_parameters={"format": fmt},
                query={"api_key": back_office},
                body={
                    "service_request_id": str(report.pk),
                    "update_id": f"BO-{fmt}",
                    "status": "CLOSED",
                    "state": "fixed",
                    "description": "Filled in.",
                    "media_url": "https://council.example/1.jpg",
                },
                media_type="application/x-www-form-urlencoded",
            )
        )
        for query in ({}, {"extensions": "true", "service_request_id": str(report.pk)}):
            cases.append(
                by_label["GET /servicerequestupdates.{format}"].Case(
                    path_parameters={"format": fmt}, query=query
                )
            )

    for case in cases:
        response = case.call()
        assert response.status_code == 200, (case.path, response.text)
        case.validate_response(response, checks=CHECKS)
    assert report.updates.filter(external_id__startswith="backoffice:").count() == 2
