from __future__ import annotations

import pytest
from django.test import Client

from civic.models import OutboundEmail
from delivery.models import Delivery
from discussions.models import Thread
from open311.forms import ServiceRequestForm
from open311.models import ApiKey
from reports.models import Report
from tests import factories
from tests.factories import worker_round
from tests.open311.conftest import API, JSON_TYPE, XML_TYPE, assert_errors, decode


def test_post_creates_a_normal_public_report_and_answers_200_with_its_id(
    client, full_service, authority, api_key, valid_post
):
    key, _raw = api_key
    response = client.post(
        f"{API}/requests.json",
        {
            **valid_post,
            "description": "Deep pothole by the bus stop\nAbout 30 cm across.",
            "address_string": "12 High Street",
            "address_id": "545483",
            "email": "rosa@example.org",
            "first_name": "Rosa",
            "last_name": "Parks",
            "phone": "+44 20 7946 0000",
            "device_id": "device-42",
            "account_id": "acct-7",
            "media_url": "https://img.example/p.jpg",
            "attribute[hazards][]": ["cars", "bikes"],
            "attribute[seen]": "2026-11-20T08:15:00+01:00",
            "attribute[landmark]": "The library",
            "attribute[details]": "Line one\nLine two",
        },
    )

    assert response.status_code == 200
    assert response["Content-Type"] == JSON_TYPE
    report = Report.objects.get()
    assert response.json() == [
        {
            "service_request_id": str(report.pk),
            "service_notice": f"Thank you. The report is public at http://testserver/reports/"
            f"{report.pk}/; Borough Council is responsible for it.",
            "account_id": "acct-7",
        }
    ]
    assert report.service == full_service
    assert report.title == "Deep pothole by the bus stop"
    assert report.description == "Deep pothole by the bus stop\nAbout 30 cm across."
    assert (report.lat, report.lon) == (51.5101, -0.1402)
    assert report.address == "12 High Street"
    assert report.address_id == "545483"
    assert report.attributes == {
        "depth": 12,
        "size": "m",
        "hazards": ["cars", "bikes"],
        "seen": "2026-11-20T07:15:00+00:00",
        "landmark": "The library",
        "details": "Line one\nLine two",
    }
    assert report.contact_name == "Rosa Parks"
    assert report.contact_email == "rosa@example.org"
    assert report.contact_phone == "+44 20 7946 0000"
    assert (report.device_id, report.account_id) == ("device-42", "acct-7")
    assert report.media_url == "https://img.example/p.jpg"
    assert report.source == Report.Source.API
    assert report.api_key == key
    assert report.show_name is False
    assert report.reporter is None
    # Everything a web report gets: routing, delivery, discussion, timeline, email.
    assert report.authority == authority
    worker_round()
    assert Delivery.objects.filter(report=report, authority=authority).exists()
    assert Thread.objects.filter(pk=report.thread_id, kind=Thread.Kind.REPORT).exists()
    assert [u.state for u in report.updates.all()] == ["submitted"]
    assert OutboundEmail.objects.filter(to="rosa@example.org").exists()
    assert client.get(report.get_absolute_url()).status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_post_in_xml_answers_the_spec_service_requests_element(client, full_service, valid_post):
    response = client.post(f"{API}/requests.xml", valid_post)

    assert response.status_code == 200
    assert response["Content-Type"] == XML_TYPE
    root = decode(response)
    report = Report.objects.get()
    assert root.tag == "service_requests"
    assert [c.tag for c in root] == ["request"]
    assert [c.tag for c in root[0]] == ["service_request_id", "service_notice", "account_id"]
    assert root.findtext("request/service_request_id") == str(report.pk)
    assert root.find("request/account_id").text is None


def test_post_needs_no_csrf_token(full_service, valid_post):
    client = Client(enforce_csrf_checks=True)

    response = client.post(f"{API}/requests.json", valid_post)

    assert response.status_code == 200


def test_api_key_and_jurisdiction_may_come_in_the_query_string(client, full_service, valid_post):
    body = {k: v for k, v in valid_post.items() if k != "api_key"}

    response = client.post(
        f"{API}/requests.json?api_key={valid_post['api_key']}&jurisdiction_id=civic.localhost", body
    )

    assert response.status_code == 200
    assert Report.objects.count() == 1


@pytest.mark.parametrize("jurisdiction", ["", "civic.localhost"])
def test_empty_or_configured_jurisdiction_is_accepted(
    client, full_service, valid_post, jurisdiction
):
    response = client.post(f"{API}/requests.json", {**valid_post, "jurisdiction_id": jurisdiction})

    assert response.status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_jurisdiction_is_404(client, full_service, valid_post, fmt):
    response = client.post(f"{API}/requests.{fmt}", {**valid_post, "jurisdiction_id": "sfgov.org"})

    assert_errors(response, 404, "jurisdiction_id 'sfgov.org' not found", fmt=fmt)
    assert not Report.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_api_key_is_403(client, full_service, valid_post, fmt):
    del valid_post["api_key"]

    response = client.post(f"{API}/requests.{fmt}", valid_post)

    assert_errors(response, 403, "Missing api_key", fmt=fmt)
    assert not Report.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_invalid_api_key_is_403(client, full_service, valid_post, fmt):
    response = client.post(f"{API}/requests.{fmt}", {**valid_post, "api_key": "not-a-key"})

    assert_errors(response, 403, "Invalid api_key", fmt=fmt)


def test_revoked_api_key_is_403(client, full_service, valid_post, api_key):
    ApiKey.objects.filter(pk=api_key[0].pk).update(is_active=False)

    response = client.post(f"{API}/requests.json", valid_post)

    assert_errors(response, 403, "Invalid api_key")
    assert not Report.objects.exists()


def test_read_only_api_key_cannot_submit(client, full_service, valid_post):
    _key, raw = ApiKey.create_key("Reader", can_post=False)

    response = client.post(f"{API}/requests.xml", {**valid_post, "api_key": raw})

    assert_errors(response, 403, "may read but not submit", fmt="xml")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_404(client, full_service, valid_post, fmt):
    response = client.post(f"{API}/requests.{fmt}", {**valid_post, "service_code": "nope"})

    assert_errors(response, 404, "service_code 'nope' not found", fmt=fmt)


def test_inactive_service_is_404(client, full_service, valid_post):
    factories.make_service(code="retired", is_active=False)

    response = client.post(f"{API}/requests.json", {**valid_post, "service_code": "retired"})

    assert_errors(response, 404, "service_code 'retired' not found")


def test_missing_service_code_is_400(client, full_service, valid_post):
    del valid_post["service_code"]

    response = client.post(f"{API}/requests.json", valid_post)

    assert_errors(response, 400, "service_code was not provided")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_required_attribute_is_400(client, full_service, valid_post, fmt):
    del valid_post["attribute[size]"]

    response = client.post(f"{API}/requests.{fmt}", valid_post)

    assert_errors(response, 400, "attribute[size] is required (How big is it?).", fmt=fmt)
    assert not Report.objects.exists()


def test_every_missing_required_attribute_is_reported(client, full_service, valid_post):
    del valid_post["attribute[size]"], valid_post["attribute[depth]"]

    response = client.post(f"{API}/requests.json", valid_post)

    descriptions = assert_errors(response, 400, "attribute[size]", "attribute[depth]")
    assert len(descriptions) == 2


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_value_outside_a_single_value_list_is_400(client, full_service, valid_post, fmt):
    response = client.post(f"{API}/requests.{fmt}", {**valid_post, "attribute[size]": "huge"})

    assert_errors(response, 400, "attribute[size]", "huge", fmt=fmt)


def test_value_outside_a_multi_value_list_is_400(client, full_service, valid_post):
    response = client.post(
        f"{API}/requests.json", {**valid_post, "attribute[hazards][]": ["cars", "tanks"]}
    )

    assert_errors(response, 400, "attribute[hazards]", "tanks")


def test_several_values_for_a_single_value_list_are_400(client, full_service, valid_post):
    response = client.post(f"{API}/requests.json", {**valid_post, "attribute[size]": ["s", "m"]})

    assert_errors(response, 400, "attribute[size]: only one value")


def test_multi_value_list_accepts_the_bracket_and_plain_forms(client, full_service, valid_post):
    client.post(f"{API}/requests.json", {**valid_post, "attribute[hazards]": "walkers"})
    client.post(f"{API}/requests.json", {**valid_post, "attribute[hazards][]": ["cars", "cars"]})

    assert [r.attributes["hazards"] for r in Report.objects.order_by("pk")] == [
        ["walkers"],
        ["cars"],
    ]


@pytest.mark.parametrize(
    ("code", "value", "fragment"),
    [
        ("depth", "deep", "attribute[depth]"),
        ("depth", "NaN", "attribute[depth]"),
        ("depth", "1e400", "attribute[depth]"),
        ("seen", "yesterday", "attribute[seen]"),
        ("seen", "2026-13-45T00:00:00Z", "attribute[seen]"),
    ],
)
def test_attribute_of_the_wrong_datatype_is_400(
    client, full_service, valid_post, code, value, fragment
):
    response = client.post(f"{API}/requests.json", {**valid_post, f"attribute[{code}]": value})

    assert_errors(response, 400, fragment)


def test_number_and_datetime_answers_are_normalised(client, full_service, valid_post):
    client.post(
        f"{API}/requests.json",
        {
            **valid_post,
            "attribute[depth]": "2.5",
            "attribute[seen]": "2026-11-20T10:00:00Z",
            "attribute[landmark]": "Two\nlines",
            "attribute[notice]": "ignored",
            "attribute[x]": "y",
        },
    )

    report = Report.objects.get()
    assert report.attributes == {
        "depth": 2.5,
        "size": "m",
        "seen": "2026-11-20T10:00:00+00:00",
        "landmark": "Two lines",
    }


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_lat_without_long_is_400(client, full_service, valid_post, fmt):
    del valid_post["long"]

    response = client.post(f"{API}/requests.{fmt}", valid_post)

    assert_errors(response, 400, "lat and long must be sent together: long is missing.", fmt=fmt)


def test_no_location_at_all_is_400(client, full_service, valid_post):
    del valid_post["lat"], valid_post["long"]

    response = client.post(f"{API}/requests.json", valid_post)

    assert_errors(response, 400, "A location is required")


def test_point_outside_the_service_area_is_400(client, full_service, valid_post):
    response = client.post(f"{API}/requests.json", {**valid_post, "lat": "48.85", "long": "2.35"})

    assert_errors(response, 400, "outside the area this server covers")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lat", "north"),
        ("long", "inf"),
        ("lat", "1e400"),
        ("email", "not-an-email"),
        ("media_url", "not a url"),
        ("phone", "1" * 41),
        ("description", "x" * 4001),
    ],
)
def test_malformed_fields_are_400_naming_the_field(client, full_service, valid_post, field, value):
    response = client.post(f"{API}/requests.json", {**valid_post, field: value})

    assert_errors(response, 400, f"{field}:")
    assert not Report.objects.exists()


def test_title_is_the_first_line_of_the_description_or_the_service_name(
    client, full_service, valid_post
):
    client.post(f"{API}/requests.json", {**valid_post, "description": "  " + "word " * 40})
    client.post(f"{API}/requests.json", valid_post)

    long_title, plain = Report.objects.order_by("pk")
    assert len(long_title.title) == 120
    assert long_title.title.endswith("…")
    assert plain.title == "Pothole"


def test_batch_service_answers_a_token_that_resolves_to_the_id(client, valid_post, authority):
    factories.make_service(code="graffiti", name="Graffiti", type="batch")

    response = client.post(f"{API}/requests.json", {**valid_post, "service_code": "graffiti"})

    assert response.status_code == 200
    [answer] = response.json()
    assert set(answer) == {"token", "service_notice", "account_id"}
    report = Report.objects.get()
    assert answer["token"] == report.token
    resolved = client.get(f"{API}/tokens/{answer['token']}.json")
    assert resolved.json() == [{"service_request_id": str(report.pk), "token": report.token}]


def test_blackbox_service_answers_neither_id_nor_token(client, valid_post, authority):
    factories.make_service(code="bins", name="Bins", type="blackbox")

    response = client.post(f"{API}/requests.json", {**valid_post, "service_code": "bins"})

    assert response.status_code == 200
    assert set(response.json()[0]) == {"service_notice", "account_id"}


def test_multipart_post_may_carry_a_photo_as_media(client, full_service, valid_post):
    response = client.post(f"{API}/requests.json", {**valid_post, "media": factories.jpeg_upload()})

    assert response.status_code == 200
    report = Report.objects.get()
    photo = report.photos.get()
    detail = client.get(f"{API}/requests/{report.pk}.json").json()[0]
    assert detail["media_url"] == f"http://testserver{photo.image.url}"


def test_a_file_that_is_not_an_image_is_400(client, full_service, valid_post):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(f"{API}/requests.json", {**valid_post, "media": upload})

    assert_errors(response, 400, "media:")


def test_a_refused_post_leaves_nothing_behind_for_the_next_one(client, full_service, valid_post):
    # The API's input forms share their field objects between requests (open311.forms
    # InputForm): a request's errors and values must still be its own.
    bad = client.post(f"{API}/requests.json", {**valid_post, "lat": "north", "email": "nobody"})
    good = client.post(f"{API}/requests.json", {**valid_post, "email": "rosa@example.org"})

    assert_errors(bad, 400, "lat: Enter a number.", "email: Enter a valid email address.")
    assert good.status_code == 200
    assert Report.objects.get().contact_email == "rosa@example.org"


def test_an_input_forms_fields_are_its_own_to_add_to(full_service):
    first = ServiceRequestForm({}, service=full_service)
    first.fields["extra"] = first.fields["phone"]
    second = ServiceRequestForm({}, service=full_service)

    assert "extra" not in second.fields
    assert "extra" not in ServiceRequestForm.base_fields
