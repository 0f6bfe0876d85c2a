"""The new-report page and its htmx helpers: category questions, photo location, nearby."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civic.models import OutboundEmail
from reports.models import Report
from tests.factories import (
    CENTRE,
    gps_exif,
    jpeg_bytes,
    jpeg_upload,
    make_report,
    make_service_with_every_attribute,
    worker_round,
)
from tests.fakes import (
    HIGH_STREET,
    MARKET_SQUARE,
    PARIS,
    FakeNominatim,
    nominatim_place,
)

NEW = reverse("reports:new")
GEOCODE = reverse("reports:geocode")


def _post(client, files=(), **overrides):
    data = {
        "service": "pothole",
        "lat": str(CENTRE[0]),
        "lon": str(CENTRE[1]),
        "address": "12 High Street",
        "title": "Deep pothole",
        "description": "By the bus stop.",
        "name": "Rosa Parks",
        "show_name": "on",
        **overrides,
    }
    data = {k: v for k, v in data.items() if v is not None}
    if files:
        data["photos"] = list(files)
    return client.post(NEW, data)


def test_anonymous_visitor_gets_the_form_with_an_email_field(anonymous, service):
    response = anonymous.get(NEW)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="email"' in html
    assert "You are not signed in, and you do not need to be." in html


def test_resident_sees_the_form_with_map_and_grouped_categories(resident_client, service):
    response = resident_client.get(NEW)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="new-report-map"' in html
    assert "Use my location" in html
    assert "Place pin at map centre" in html
    assert 'hx-get="/reports/new/fields/"' in html
    assert '<option value="pothole">Pothole</option>' in html
    # The name field starts with the resident's own name.
    assert 'value="Rosa Parks"' in html


def test_resident_submits_a_report_and_lands_on_its_page(resident_client, resident, authority):
    response = _post(resident_client, files=[jpeg_upload()])

    report = Report.objects.get()
    assert response.status_code == 302
    assert response.url == report.get_absolute_url()
    assert report.reporter == resident
    assert report.authority == authority
    assert report.address == "12 High Street"
    assert report.show_name is True
    assert report.public_name == "Rosa Parks"
    assert report.photos.count() == 1
    worker_round()  # its confirmation email
    assert OutboundEmail.objects.filter(to=resident.email).exists()

    page = resident_client.get(response.url)
    assert "Your report is public" in page.content.decode()


def test_too_many_reports_in_a_short_time_are_refused_and_input_kept(
    resident_client, authority, settings
):
    settings.RATE_LIMITS = {"report": [(600, 2)]}
    assert _post(resident_client).status_code == 302
    assert _post(resident_client).status_code == 302

    response = _post(resident_client, title="Third pothole")

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 600
    assert Report.objects.count() == 2
    html = response.content.decode()
    assert "many reports in a short time" in html
    assert 'value="Third pothole"' in html


def test_point_outside_the_service_area_is_refused_and_input_kept(resident_client, service):
    response = _post(resident_client, lat="48.8566", lon="2.3522")

    assert response.status_code == 200
    assert not Report.objects.exists()
    html = response.content.decode()
    assert "outside the area we cover" in html
    assert 'value="Deep pothole"' in html
    assert "By the bus stop." in html


def test_address_without_pin_is_refused_with_a_clear_message(resident_client, service):
    response = _post(resident_client, lat=None, lon=None, address="Outside the library")

    assert response.status_code == 200
    assert not Report.objects.exists()
    html = response.content.decode()
    assert "We could not find “Outside the library” in the area we cover" in html
    assert 'value="Outside the library"' in html
    # The error is tied to the map's fieldset for screen readers.
    assert 'aria-describedby="pin-status id_lat_error"' in html


def test_missing_required_answer_is_refused_with_field_error_and_input_kept(
    resident_client, authority
):
    make_service_with_every_attribute()

    response = _post(
        resident_client,
        service="streetlight",
        **{"attribute-colour": "flicker", "attribute-details": "Sparks"},
    )

    assert response.status_code == 200
    assert not Report.objects.exists()
    html = response.content.decode()
    assert 'id="id_attribute-where-on-street_error"' in html
    assert 'aria-describedby="id_attribute-where-on-street_error"' in html
    assert 'aria-invalid="true"' in html
    assert re.search(r'value="flicker"[^>]*checked', html)
    assert "Sparks</textarea>" in html
    assert 'value="Deep pothole"' in html
    assert '<option value="streetlight" selected>' in html


def test_category_answers_are_saved_with_the_report(resident_client, authority):
    make_service_with_every_attribute()

    _post(
        resident_client,
        service="streetlight",
        **{"attribute-where-on-street": "Post 7", "attribute-colour": "off"},
    )

    assert Report.objects.get().attributes == {"where-on-street": "Post 7", "colour": "off"}


def test_too_many_photos_are_refused_and_the_form_asks_to_attach_them_again(
    resident_client, service
):
    response = _post(resident_client, files=[jpeg_upload(f"p{i}.jpg") for i in range(4)])

    assert response.status_code == 200
    assert not Report.objects.exists()
    html = response.content.decode()
    assert "You can attach at most 3 photos; you chose 4." in html
    assert "Please attach your photos again" in html


def test_file_that_is_not_an_image_is_refused(resident_client, service):
    text = SimpleUploadedFile("notes.jpg", b"plain text", content_type="image/jpeg")

    response = _post(resident_client, files=[text])

    assert response.status_code == 200
    assert not Report.objects.exists()
    assert "notes.jpg is not a photo we can read" in response.content.decode()


def test_category_questions_fragment_renders_every_datatype(anonymous, db):
    make_service_with_every_attribute()

    response = anonymous.get(
        reverse("reports:service-fields"), {"service": "streetlight"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "Lights on main roads are fixed within 5 days." in html  # information only
    assert 'name="attribute-note"' not in html
    assert 'type="text" name="attribute-where-on-street"' in html
    assert 'type="number" name="attribute-post-count"' in html
    assert 'type="datetime-local" name="attribute-since"' in html
    assert '<textarea name="attribute-details"' in html
    assert 'type="radio" name="attribute-colour" value="flicker"' in html
    assert 'type="checkbox" name="attribute-dangers" value="wires"' in html
    assert "HX-Request" in response["Vary"]


def test_category_questions_fragment_for_unknown_category_is_empty(anonymous, db):
    response = anonymous.get(
        reverse("reports:service-fields"), {"service": "nope"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_category_questions_without_javascript_lead_to_the_full_form(anonymous, db):
    response = anonymous.get(reverse("reports:service-fields"), {"service": "streetlight"})

    assert response.status_code == 302
    assert response.url == f"{NEW}?service=streetlight"


def test_category_questions_fragment_runs_three_queries_then_none(
    anonymous, django_assert_num_queries, db
):
    make_service_with_every_attribute()
    make_service_with_every_attribute(code="other")
    url = reverse("reports:service-fields")

    with django_assert_num_queries(3):
        # 1. the services' version (then in the shared cache); 2. active services (the
        # form's category list); 3. their attributes (prefetch)
        anonymous.get(url, {"service": "streetlight"}, HTTP_HX_REQUEST="true")
    with django_assert_num_queries(0):
        # Kept in the process while the services' version holds.
        anonymous.get(url, {"service": "other"}, HTTP_HX_REQUEST="true")


def test_a_new_category_is_offered_at_once(anonymous, db):
    from tests.factories import make_service

    assert 'value="bins"' not in anonymous.get(NEW).content.decode()
    make_service(code="bins", name="Overflowing bins")
    assert 'value="bins"' in anonymous.get(NEW).content.decode()


def test_photo_location_is_offered_from_the_photo_gps(resident_client, db):
    photo = SimpleUploadedFile(
        "gps.jpg", jpeg_bytes(exif=gps_exif(51.5155, -0.1355)), content_type="image/jpeg"
    )

    response = resident_client.post(
        reverse("reports:photo-location"), {"photos": [photo]}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Use the photo's location" in html
    assert 'data-photo-lat="51.5155"' in html
    assert 'data-photo-lon="-0.1355"' in html


def test_photo_location_outside_the_area_is_not_offered(resident_client, db):
    photo = SimpleUploadedFile(
        "paris.jpg", jpeg_bytes(exif=gps_exif(48.8566, 2.3522)), content_type="image/jpeg"
    )

    response = resident_client.post(
        reverse("reports:photo-location"), {"photos": [photo]}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert "outside the area we cover" in html
    assert "data-photo-lat" not in html


def test_photo_without_gps_says_so(resident_client, db):
    response = resident_client.post(
        reverse("reports:photo-location"), {"photos": [jpeg_upload()]}, HTTP_HX_REQUEST="true"
    )

    assert "carries no location" in response.content.decode()


def test_photo_location_refuses_a_non_image(resident_client, db):
    text = SimpleUploadedFile("x.jpg", b"nope", content_type="image/jpeg")

    response = resident_client.post(
        reverse("reports:photo-location"), {"photos": [text]}, HTTP_HX_REQUEST="true"
    )

    assert "x.jpg is not a photo we can read" in response.content.decode()


def test_photo_location_works_without_an_account_too(anonymous, db):
    upload = jpeg_upload(exif=gps_exif(51.5101, -0.1402))
    response = anonymous.post(
        reverse("reports:photo-location"), {"photos": [upload]}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert 'data-photo-lat="51.5101"' in response.content.decode()


# Nearby possible duplicates


def test_nearby_lists_open_reports_within_100_metres(anonymous, service, authority):
    close = make_report(service=service, title="Close", lat=51.5105, lon=-0.1400)
    make_report(service=service, title="Far", lat=51.5200, lon=-0.1400)  # ~1 km away
    make_report(service=service, title="Fixed", lat=51.5101, lon=-0.1400, state="fixed")
    hidden = make_report(service=service, title="Hidden", lat=51.5101, lon=-0.1401)
    Report.objects.filter(pk=hidden.pk).update(is_hidden=True)

    response = anonymous.get(
        reverse("reports:nearby"), {"lat": "51.5100", "lon": "-0.1400"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert close.get_absolute_url() in html
    assert "56 m away" in html
    assert "Far" not in html
    assert "Fixed" not in html
    assert "Hidden" not in html
    assert "me too" in html


def test_nearby_without_htmx_is_a_full_page(anonymous, db):
    response = anonymous.get(reverse("reports:nearby"), {"lat": "51.51", "lon": "-0.14"})

    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_nearby_refuses_a_point_that_is_not_a_number(anonymous, db):
    response = anonymous.get(reverse("reports:nearby"), {"lat": "north", "lon": "-0.14"})

    assert response.status_code == 400


@pytest.mark.parametrize("rows", [1, 30])
def test_nearby_runs_one_query(rows, anonymous, service, django_assert_num_queries):
    for n in range(rows):
        make_report(service=service, lat=51.5100 + n * 0.00001, lon=-0.1400)

    with django_assert_num_queries(1):
        # 1. open visible reports in the bbox around the point, with their service
        response = anonymous.get(
            reverse("reports:nearby"), {"lat": "51.51", "lon": "-0.14"}, HTTP_HX_REQUEST="true"
        )

    assert response.content.decode().count("<li>") == min(rows, 10)


# Address search: "Find this address", and a report placed from its address on submit


@pytest.fixture
def nominatim(settings):
    with FakeNominatim() as fake:
        settings.GEOCODER_URL = fake.url
        yield fake


def _find(client, htmx=True, **params):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.get(GEOCODE, {"address": "12 High Street", **params}, **headers)


def test_find_this_address_button_is_offered_when_a_geocoder_is_set(
    resident_client, service, nominatim
):
    html = resident_client.get(NEW).content.decode()

    assert "Find this address" in html
    assert f'hx-get="{GEOCODE}"' in html
    # Without JavaScript the button posts the whole form back to the page (not sending it).
    assert f'name="step" value="find" formaction="{NEW}#address-results"' in html
    assert 'id="address-results" class="address-results" aria-live="polite"' in html
    assert "press “Find this address”" in html


def test_find_this_address_is_offered_without_a_geocoder_too(resident_client, service, settings):
    settings.GEOCODER_URL = ""

    html = resident_client.get(NEW).content.decode()

    # The embedded gazetteer answers with no outside service.
    assert "Find this address" in html
    assert f'hx-get="{GEOCODE}"' in html


def test_address_search_without_a_geocoder_says_so_and_keeps_the_form(
    resident_client, service, settings
):
    settings.GEOCODER_URL = ""

    fragment = _find(resident_client)
    page = _find(resident_client, htmx=False, title="Deep pothole")

    assert fragment.status_code == page.status_code == 200
    assert "No place in the area we cover matches “12 High Street”" in fragment.content.decode()
    assert 'value="Deep pothole"' in page.content.decode()


def test_find_this_address_lists_the_matching_places(resident_client, nominatim):
    nominatim.places = [HIGH_STREET, MARKET_SQUARE]

    response = _find(resident_client)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "2 places match “12 High Street”" in html
    assert HIGH_STREET["display_name"] in html
    assert html.count("Put the pin here") == 2
    assert '<button type="submit"' in html
    assert 'data-place-lat="51.5101" data-place-lon="-0.1402"' in html
    # Without JavaScript the button sends the form back with the place as the pin.
    assert 'name="pin" value="51.5101,-0.1402"' in html
    assert "HX-Request" in response["Vary"]


def test_find_this_address_drops_places_outside_the_area(resident_client, nominatim):
    nominatim.places = [PARIS, HIGH_STREET]

    html = _find(resident_client).content.decode()

    assert "One place matches" in html
    assert "Paris" not in html
    assert html.count("Put the pin here") == 1


def test_find_this_address_says_when_nothing_matches(resident_client, nominatim):
    nominatim.places = [PARIS]

    response = _find(resident_client, address="Nowhere Lane")

    html = response.content.decode()
    assert response.status_code == 200
    assert "No place in the area we cover matches “Nowhere Lane”" in html
    assert "Put the pin here" not in html


def test_find_this_address_with_nothing_typed_asks_for_an_address(resident_client, nominatim):
    response = _find(resident_client, address="  ")

    assert "Type an address or a place first" in response.content.decode()
    assert nominatim.requests == []


def test_geocoder_down_gives_a_clear_message_not_an_error_page(resident_client, nominatim):
    nominatim.status = 503

    response = _find(resident_client)

    assert response.status_code == 200
    assert "The address search is not answering just now" in response.content.decode()


def test_geocoder_down_without_javascript_keeps_the_form(resident_client, service, nominatim):
    nominatim.body = b"<html>oops</html>"

    response = _find(resident_client, htmx=False, title="Deep pothole", service="pothole")

    html = response.content.decode()
    assert response.status_code == 200
    assert "The address search is not answering just now" in html
    assert 'value="Deep pothole"' in html
    assert 'value="12 High Street"' in html
    assert '<option value="pothole" selected>' in html


def test_find_this_address_without_javascript_shows_the_page_with_results_and_input_kept(
    resident_client, authority, nominatim
):
    make_service_with_every_attribute()
    nominatim.places = [HIGH_STREET]

    response = resident_client.get(
        GEOCODE,
        {
            "service": "streetlight",
            "lat": "",
            "lon": "",
            "address": "12 High Street",
            "title": "Light out",
            "description": "Dark all night.",
            "attribute-where-on-street": "Post 7",
            "attribute-colour": "off",
            "attribute-dangers": ["wires", "dark-crossing"],
            "name": "Rosa",
            "show_name": "on",
            "photos": "",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert "One place matches “12 High Street”" in html
    assert "Put the pin here" in html
    assert 'value="Light out"' in html
    assert "Dark all night.</textarea>" in html
    assert 'value="Post 7"' in html
    assert re.search(r'value="off"[^>]*checked', html)
    assert re.search(r'value="wires"[^>]*checked', html)
    assert re.search(r'value="dark-crossing"[^>]*checked', html)
    assert re.search(r'name="show_name"[^>]*checked', html)
    assert "Please attach your photos again" not in html
    assert 'id="photos-dropped"' not in html


def test_a_photo_chosen_before_find_without_javascript_is_asked_for_again(
    resident_client, service, nominatim
):
    response = resident_client.post(
        NEW, {"step": "find", "address": "12 High Street", "photos": [jpeg_upload()]}
    )

    assert 'id="photos-dropped"' in response.content.decode()


def test_putting_the_pin_at_a_found_place_without_javascript_fills_lat_and_lon(
    resident_client, service, nominatim
):
    response = resident_client.get(
        NEW,
        {"pin": "51.5101,-0.1402", "lat": "", "lon": "", "title": "Deep pothole"},
    )

    html = response.content.decode()
    assert 'name="lat" value="51.5101"' in html
    assert 'name="lon" value="-0.1402"' in html
    assert "The pin is placed." in html
    assert 'value="Deep pothole"' in html


def test_a_pin_outside_the_area_in_the_link_is_ignored(resident_client, service):
    html = resident_client.get(NEW, {"pin": "48.8566,2.3522"}).content.decode()

    assert 'name="lat" value' not in html
    assert "No pin placed yet." in html


def test_too_many_address_searches_are_refused(resident_client, nominatim, settings):
    settings.RATE_LIMITS = {"geocode": [(60, 2)]}
    nominatim.places = [HIGH_STREET]
    _find(resident_client, address="1 High Street")
    _find(resident_client, address="2 High Street")

    response = _find(resident_client, address="3 High Street")

    # A fragment htmx swaps in place of the results (429 is swapped: see base.html).
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "You searched for many addresses in a short time" in response.content.decode()
    assert "<html" not in response.content.decode()
    assert len(nominatim.requests) == 2


def test_address_search_without_an_account_counts_against_the_address(
    anonymous, db, nominatim, settings
):
    settings.RATE_LIMITS = {"geocode": [(60, 1)]}
    nominatim.places = [HIGH_STREET]

    first = _find(anonymous, address="1 High Street")
    second = _find(anonymous, address="2 High Street")

    assert "Put the pin here" in first.content.decode()
    assert "You searched for many addresses in a short time" in second.content.decode()
    assert len(nominatim.requests) == 1


@pytest.mark.parametrize("places", [1, 30])
def test_address_search_runs_no_query_of_its_own(
    places, resident_client, nominatim, django_assert_num_queries
):
    nominatim.places = [
        nominatim_place(51.50 + n * 0.001, -0.14, f"{n} High Street") for n in range(places)
    ]

    with django_assert_num_queries(4):
        # 1. the session
        # 2. the signed-in user
        # 3. the gazetteer: names starting with the query (none here)
        # 4. the gazetteer: names close to it (none), so the geocoder is asked
        # The geocoder's answer is an HTTP call and the cache: no query, however many places.
        response = _find(resident_client)

    assert response.content.decode().count("Put the pin here") == min(places, 5)


def test_report_without_pin_is_placed_at_its_address_when_one_place_matches(
    resident_client, authority, nominatim
):
    nominatim.places = [HIGH_STREET]

    response = _post(resident_client, lat=None, lon=None, address="12 High Street")

    report = Report.objects.get()
    assert response.status_code == 302
    assert (report.lat, report.lon) == (51.5101, -0.1402)
    assert report.address == "12 High Street"
    assert report.authority == authority
    page = resident_client.get(response.url).content.decode()
    assert f"We placed the pin at {HIGH_STREET['display_name']}; check it on the report page" in (
        page
    )


def test_report_with_a_pin_is_not_geocoded(resident_client, authority, nominatim):
    nominatim.places = [MARKET_SQUARE]

    response = _post(resident_client, address="12 High Street")

    assert response.status_code == 302
    assert (Report.objects.get().lat, Report.objects.get().lon) == CENTRE
    assert nominatim.requests == []
    assert "We placed the pin" not in resident_client.get(response.url).content.decode()


def test_report_whose_address_matches_several_places_offers_them(
    resident_client, service, nominatim
):
    nominatim.places = [HIGH_STREET, MARKET_SQUARE]

    response = _post(resident_client, lat=None, lon=None, address="High Street")

    html = response.content.decode()
    assert response.status_code == 200
    assert not Report.objects.exists()
    assert "Several places match “High Street”" in html
    assert "2 places match “High Street”" in html
    assert html.count('name="pin"') == 2
    assert 'value="Deep pothole"' in html
    assert "By the bus stop." in html


def test_report_whose_address_matches_nothing_says_so(resident_client, service, nominatim):
    response = _post(resident_client, lat=None, lon=None, address="Nowhere Lane")

    html = response.content.decode()
    assert response.status_code == 200
    assert not Report.objects.exists()
    assert "We could not find “Nowhere Lane” in the area we cover" in html
    assert 'value="Nowhere Lane"' in html


def test_report_without_pin_when_the_geocoder_is_down_keeps_everything(
    resident_client, service, nominatim
):
    nominatim.status = 500

    response = _post(resident_client, lat=None, lon=None, address="12 High Street")

    html = response.content.decode()
    assert response.status_code == 200
    assert not Report.objects.exists()
    assert "the address search is not answering" in html
    assert 'value="Deep pothole"' in html
    assert 'value="12 High Street"' in html


def test_report_without_pin_or_address_mentions_the_address_search(
    resident_client, service, nominatim
):
    response = _post(resident_client, lat=None, lon=None, address="")

    assert "type the address and press “Find this address”" in response.content.decode()
    assert nominatim.requests == []


def test_a_category_retired_meanwhile_is_refused_and_the_report_is_kept_in_the_form(
    resident_client, service
):
    assert resident_client.get(NEW).status_code == 200  # the categories are kept now
    service.is_active = False
    service.save()

    response = _post(resident_client, title="Pothole by the school")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose one of the categories in the list." in html
    assert 'value="Pothole by the school"' in html
    assert not Report.objects.filter(title="Pothole by the school").exists()
