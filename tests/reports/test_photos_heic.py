"""HEIC/HEIF photos from phones: accepted, converted to JPEG, stripped like any other."""

from __future__ import annotations

import io

import pillow_heif
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from reports.models import Report
from reports.photos import process_photo
from tests.factories import CENTRE, gps_exif


def heic_bytes(size=(320, 240), exif=None) -> bytes:
    """A real HEIC file, encoded by libheif through pillow-heif."""
    image = Image.new("RGB", size, (30, 120, 200))
    heif = pillow_heif.from_pillow(image)
    out = io.BytesIO()
    heif.save(out, quality=80, **({"exif": exif.tobytes()} if exif else {}))
    return out.getvalue()


def test_the_fixture_really_is_heic():
    data = heic_bytes()
    assert data[4:12] == b"ftypheic"
    assert Image.open(io.BytesIO(data)).format == "HEIF"


def test_heic_is_converted_to_jpeg_with_its_location_read_then_stripped():
    data = heic_bytes(exif=gps_exif(51.5101, -0.1402))
    assert Image.open(io.BytesIO(data)).getexif()  # the input carries EXIF with GPS

    processed = process_photo(SimpleUploadedFile("IMG_0001.HEIC", data, "image/heic"))

    assert processed.gps == pytest.approx((51.5101, -0.1402), abs=1e-4)
    saved = Image.open(io.BytesIO(processed.image))
    assert saved.format == "JPEG"
    assert saved.size == (320, 240)
    assert not saved.getexif()
    assert "exif" not in saved.info and not saved.info.get("icc_profile")


@pytest.mark.django_db
def test_a_heic_photo_is_accepted_on_the_new_report_form(resident_client, service, authority):
    response = resident_client.post(
        reverse("reports:new"),
        {
            "service": "pothole",
            "lat": str(CENTRE[0]),
            "lon": str(CENTRE[1]),
            "title": "Deep pothole",
            "photos": [
                SimpleUploadedFile("IMG_0001.HEIC", heic_bytes(), "image/heic"),
                SimpleUploadedFile("IMG_0002.HEIC", heic_bytes(size=(200, 300)), "image/heic"),
            ],
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    photos = list(Report.objects.get().photos.all())
    assert [(p.width, p.height) for p in photos] == [(320, 240), (200, 300)]
    assert photos[0].image.name.endswith(".jpg")
