"""Staff blur a region of a report's photo: the region is unreadable, the rest as it was,
the thumbnail follows, the original files are deleted, the log says so; nobody else may."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageStat

from discussions.models import ModerationEntry
from reports.photos import process_photo
from tests.factories import make_report, make_user


def _checkerboard(size=(400, 300), square=4) -> bytes:
    image = Image.new("L", size)
    image.putdata(
        [255 * ((x // square + y // square) % 2) for y in range(size[1]) for x in range(size[0])]
    )
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=95)
    return out.getvalue()


@pytest.fixture
def photo(service, authority):
    processed = process_photo(SimpleUploadedFile("p.jpg", _checkerboard(), "image/jpeg"))
    return make_report(service=service, photos=[processed]).photos.get()


def _url(photo) -> str:
    return reverse("triage:blur-photo", args=[photo.report_id, photo.pk])


def _spread(photo, box) -> float:
    """How much detail is left in `box` (pixels): the standard deviation of its grey."""
    with photo.image.open("rb") as f:
        image = Image.open(io.BytesIO(f.read())).convert("L")
    return ImageStat.Stat(image.crop(box)).stddev[0]


def test_staff_blur_a_region_and_the_original_is_deleted(
    staff_client, staff, photo, django_capture_on_commit_callbacks
):
    old_image, old_thumb = photo.image.name, photo.thumbnail.name
    inside, outside = (110, 100, 190, 140), (300, 200, 380, 280)
    assert _spread(photo, inside) > 100 and _spread(photo, outside) > 100

    # The region: 25 to 50 % across, 30 to 50 % down (pixels 100 to 200, 90 to 150).
    # The originals are deleted once the change commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            _url(photo), {"left": 25, "top": 30, "width": 25, "height": 20, "reason": "A face"}
        )

    assert response.status_code == 302 and response["Location"] == photo.report.get_absolute_url()
    photo.refresh_from_db()
    assert _spread(photo, inside) < 15  # nothing left to read
    assert _spread(photo, outside) > 100  # the rest untouched
    assert photo.image.name != old_image and photo.thumbnail.name != old_thumb
    assert not default_storage.exists(old_image) and not default_storage.exists(old_thumb)
    assert default_storage.exists(photo.image.name) and default_storage.exists(photo.thumbnail.name)
    entry = ModerationEntry.objects.get(action=ModerationEntry.Action.EDIT)
    assert entry.actor == staff and entry.reason == "A face"
    assert entry.changes == {"photo": photo.pk, "blurred": [0.25, 0.3, 0.5, 0.5]}
    page = staff_client.get(photo.report.get_absolute_url()).content.decode()
    assert photo.thumbnail.url in page and old_thumb not in page


def test_a_region_outside_the_photo_is_refused_and_kept(staff_client, photo):
    old = photo.image.name
    response = staff_client.post(_url(photo), {"left": 80, "top": 10, "width": 30, "height": 10})

    assert response.status_code == 200
    html = response.content.decode()
    assert "must lie within the photo" in html and 'value="80"' in html
    photo.refresh_from_db()
    assert photo.image.name == old and default_storage.exists(old)


def test_the_report_page_offers_it_to_staff_only(staff_client, client, photo):
    assert _url(photo) in staff_client.get(photo.report.get_absolute_url()).content.decode()
    client.force_login(make_user())
    assert _url(photo) not in client.get(photo.report.get_absolute_url()).content.decode()


def test_residents_and_other_staff_may_not(client, photo, other_staff):
    client.force_login(make_user())
    assert (
        client.post(_url(photo), {"left": 0, "top": 0, "width": 50, "height": 50}).status_code
        == 403
    )
    assert photo.report.authority.slug != "water"  # made before the other authority existed
    client.force_login(other_staff)
    assert (
        client.post(_url(photo), {"left": 0, "top": 0, "width": 50, "height": 50}).status_code
        == 403
    )
    old = photo.image.name
    photo.refresh_from_db()
    assert photo.image.name == old and default_storage.exists(old)
