"""The new-report form and the map filters: one test per validation error."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from reports.forms.admin import validate_boundary
from reports.forms.reading import MapFilterForm, ReportFilterForm
from reports.forms.report import ReportForm
from tests.factories import (
    CENTRE,
    SQUARE,
    jpeg_upload,
    make_service,
    make_service_with_every_attribute,
)


def _data(**overrides) -> dict:
    data = {
        "service": "pothole",
        "lat": str(CENTRE[0]),
        "lon": str(CENTRE[1]),
        "title": "Deep pothole",
        "description": "By the bus stop.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _files(*uploads) -> MultiValueDict:
    return MultiValueDict({"photos": list(uploads)})


def test_complete_report_is_valid_and_ready_for_submit(service):
    form = ReportForm(_data(address="12 High Street"), _files(jpeg_upload()))

    assert form.is_valid(), form.errors
    kwargs = form.submit_kwargs()
    assert kwargs["service"] == service
    assert (kwargs["lat"], kwargs["lon"]) == CENTRE
    assert kwargs["address"] == "12 High Street"
    assert len(kwargs["photos"]) == 1
    assert kwargs["photos"][0].thumbnail


def test_missing_pin_is_refused_with_instructions_for_keyboard_users(service):
    form = ReportForm(_data(lat=None, lon=None))

    assert not form.is_valid()
    [message] = form.errors["lat"]
    assert "click or tap the map" in message and "Find this address" in message
    assert "arrow keys" in message
    assert form.errors.as_data()["lat"][0].code == "no_location"


def test_address_without_pin_is_refused_but_says_the_address_is_kept(service):
    form = ReportForm(_data(lat=None, lon=None, address="Outside the library"))

    assert not form.is_valid()
    [message] = form.errors["lat"]
    assert "also place the pin" in message
    assert "We keep the address you typed" in message


def test_point_outside_the_service_area_is_refused(service):
    form = ReportForm(_data(lat="48.85", lon="2.35"))

    assert not form.is_valid()
    assert form.errors.as_data()["lat"][0].code == "outside_area"
    assert "outside the area we cover" in form.errors["lat"][0]


def test_missing_category_is_refused(service):
    form = ReportForm(_data(service=""))

    assert not form.is_valid()
    assert form.errors["service"] == ["Choose the category that fits the problem best."]


def test_inactive_or_unknown_category_is_refused(db):
    make_service(code="retired", is_active=False)

    form = ReportForm(_data(service="retired"))

    assert not form.is_valid()
    assert form.errors["service"] == ["Choose one of the categories in the list."]


def test_missing_title_is_refused(service):
    form = ReportForm(_data(title=""))

    assert not form.is_valid()
    assert form.errors["title"] == ["Give your report a short title."]


def test_title_longer_than_the_model_allows_is_refused(service):
    form = ReportForm(_data(title="x" * 121))

    assert not form.is_valid()
    assert "title" in form.errors


def test_showing_name_requires_a_name(service):
    form = ReportForm(_data(show_name="on", name=""))

    assert not form.is_valid()
    assert form.errors.as_data()["name"][0].code == "name_required"


def test_more_photos_than_allowed_are_refused(service, settings):
    uploads = [jpeg_upload(f"p{i}.jpg") for i in range(settings.PHOTOS_PER_REPORT + 1)]

    form = ReportForm(_data(), _files(*uploads))

    assert not form.is_valid()
    assert form.errors.as_data()["photos"][0].code == "too_many_photos"
    assert "at most 3 photos" in form.errors["photos"][0]


def test_file_that_is_not_an_image_is_refused_by_name(service):
    text = SimpleUploadedFile("notes.jpg", b"this is not a photo", content_type="image/jpeg")

    form = ReportForm(_data(), _files(jpeg_upload(), text))

    assert not form.is_valid()
    assert form.errors["photos"] == [
        "notes.jpg is not a photo we can read. Please attach a JPEG, PNG, WebP or HEIC image."
    ]


def test_photo_over_the_size_limit_is_refused(service, settings):
    settings.PHOTO_MAX_BYTES = 1000

    form = ReportForm(_data(), _files(jpeg_upload(size=(400, 400))))

    assert not form.is_valid()
    assert form.errors.as_data()["photos"][0].code == "too_large"


def test_empty_file_is_refused(service):
    empty = SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg")

    form = ReportForm(_data(), _files(empty))

    assert not form.is_valid()
    assert "photos" in form.errors


# The category's own questions (Open311 attributes)


@pytest.fixture
def streetlight(db):
    return make_service_with_every_attribute()


def _streetlight_data(**overrides) -> dict:
    return _data(
        service="streetlight",
        **{"attribute-where-on-street": "Number 12", "attribute-colour": "off", **overrides},
    )


def test_every_answer_is_stored_in_its_json_form(streetlight):
    form = ReportForm(
        MultiValueDict(
            {
                **{k: [v] for k, v in _streetlight_data().items()},
                "attribute-post-count": ["3"],
                "attribute-since": ["2026-11-01T20:30"],
                "attribute-details": ["Sparks at night"],
                "attribute-dangers": ["dark-crossing", "wires"],
            }
        )
    )

    assert form.is_valid(), form.errors
    answers = form.submit_kwargs()["attributes"]
    assert answers["where-on-street"] == "Number 12"
    assert answers["post-count"] == 3
    assert answers["since"].startswith("2026-11-01T20:30:00")
    assert answers["details"] == "Sparks at night"
    assert answers["colour"] == "off"
    assert answers["dangers"] == ["dark-crossing", "wires"]
    assert "note" not in answers  # information only: nothing to answer


def test_unanswered_optional_questions_are_left_out(streetlight):
    form = ReportForm(_streetlight_data())

    assert form.is_valid(), form.errors
    assert form.submit_kwargs()["attributes"] == {"where-on-street": "Number 12", "colour": "off"}


def test_missing_required_answer_is_refused_on_its_own_field(streetlight):
    form = ReportForm(_streetlight_data(**{"attribute-where-on-street": ""}))

    assert not form.is_valid()
    assert list(form.errors) == ["attribute-where-on-street"]


def test_number_answer_must_be_a_number(streetlight):
    form = ReportForm(_streetlight_data(**{"attribute-post-count": "a few"}))

    assert not form.is_valid()
    assert form.errors["attribute-post-count"] == ["Enter a number."]


def test_datetime_answer_must_be_a_date_and_time(streetlight):
    form = ReportForm(_streetlight_data(**{"attribute-since": "last week"}))

    assert not form.is_valid()
    assert "attribute-since" in form.errors


def test_single_choice_must_be_one_of_the_listed_values(streetlight):
    form = ReportForm(_streetlight_data(**{"attribute-colour": "purple"}))

    assert not form.is_valid()
    assert "attribute-colour" in form.errors


def test_multiple_choice_must_only_hold_listed_values(streetlight):
    data = MultiValueDict({k: [v] for k, v in _streetlight_data().items()})
    data.setlist("attribute-dangers", ["wires", "ghosts"])

    form = ReportForm(data)

    assert not form.is_valid()
    assert "attribute-dangers" in form.errors


def test_information_only_attribute_is_shown_not_asked(streetlight):
    form = ReportForm(initial={"service": "streetlight"})

    assert [a.code for a in form.information] == ["note"]
    assert "attribute-note" not in form.fields
    widgets = {name: type(form.fields[name].widget).__name__ for name in form.attribute_names}
    assert widgets == {
        "attribute-where-on-street": "TextInput",
        "attribute-post-count": "NumberInput",
        "attribute-since": "DateTimeInput",
        "attribute-details": "Textarea",
        "attribute-colour": "RadioSelect",
        "attribute-dangers": "CheckboxSelectMultiple",
    }
    assert form.fields["attribute-since"].widget.input_type == "datetime-local"


def test_long_single_choice_list_becomes_a_select(db):
    from tests.factories import make_attribute

    service = make_service(code="bins")
    make_attribute(
        service,
        "bin",
        datatype="singlevaluelist",
        values=[{"key": str(n), "name": f"Bin {n}"} for n in range(8)],
    )

    form = ReportForm(initial={"service": "bins"})

    assert type(form.fields["attribute-bin"].widget).__name__ == "Select"


# Map and list filters


def test_bbox_must_have_four_numbers(db):
    form = MapFilterForm({"bbox": "1,2,3"})

    assert not form.is_valid()
    assert form.errors.as_data()["bbox"][0].code == "bbox_format"


def test_bbox_must_not_be_upside_down(db):
    form = MapFilterForm({"bbox": "-0.1,51.6,0.1,51.4"})

    assert not form.is_valid()
    assert form.errors.as_data()["bbox"][0].code == "bbox_range"


def test_bbox_must_stay_on_the_globe(db):
    form = MapFilterForm({"bbox": "-200,51,0,52"})

    assert not form.is_valid()
    assert form.errors.as_data()["bbox"][0].code == "bbox_range"


def test_bbox_must_be_finite(db):
    form = MapFilterForm({"bbox": "nan,51,0,52"})

    assert not form.is_valid()
    assert form.errors.as_data()["bbox"][0].code == "bbox_format"


def test_unknown_status_filter_is_refused(db):
    form = ReportFilterForm({"state": "lost"})

    assert not form.is_valid()
    assert "state" in form.errors


# Admin: authority boundaries


def test_boundary_polygon_is_accepted_and_a_feature_is_unwrapped():
    assert validate_boundary(SQUARE) == SQUARE
    assert validate_boundary({"type": "Feature", "geometry": SQUARE, "properties": {}}) == SQUARE


def test_boundary_must_be_a_polygon_or_multipolygon():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        validate_boundary({"type": "Point", "coordinates": [-0.1, 51.5]})

    assert info.value.code == "geometry_type"


def test_self_intersecting_boundary_is_refused_with_the_reason():
    from django.core.exceptions import ValidationError

    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}

    with pytest.raises(ValidationError) as info:
        validate_boundary(bow_tie)

    assert info.value.code == "geometry_invalid"
    assert "Self-intersection" in info.value.messages[0]


def test_boundary_in_lat_lon_order_beyond_the_globe_is_refused():
    from django.core.exceptions import ValidationError

    swapped = {
        "type": "Polygon",
        "coordinates": [[[51.4, -0.2], [51.4, 100.0], [51.5, 100.0], [51.4, -0.2]]],
    }

    with pytest.raises(ValidationError) as info:
        validate_boundary(swapped)

    assert info.value.code == "geometry_range"
