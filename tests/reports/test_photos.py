from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from reports.photos import process_photo
from tests.factories import jpeg_bytes, make_report


def _gps_exif(lat=(51, 30, 36), lon=(0, 7, 12), lon_ref="W"):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: tuple(float(v) for v in lat), 3: lon_ref, 4: tuple(float(v) for v in lon)}
    exif[0x8825] = gps
    return exif


def _upload(data: bytes, name="photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_gps_is_read_then_every_bit_of_metadata_is_stripped(service, authority):
    original = jpeg_bytes(size=(300, 200), exif=_gps_exif())
    assert Image.open(io.BytesIO(original)).getexif()  # the input really carries EXIF

    processed = process_photo(_upload(original))

    assert processed.gps == pytest.approx((51.51, -0.12), abs=1e-4)
    report = make_report(service=service, photos=[processed])
    stored = report.photos.get()
    with stored.image.open("rb") as f:
        saved = Image.open(io.BytesIO(f.read()))
    assert "exif" not in saved.info
    assert not saved.getexif()
    assert not saved.info.get("icc_profile")
    with stored.thumbnail.open("rb") as f:
        assert not Image.open(io.BytesIO(f.read())).getexif()


def test_exif_orientation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    processed = process_photo(_upload(jpeg_bytes(size=(120, 60), exif=exif)))
    assert (processed.width, processed.height) == (60, 120)


def test_large_photo_is_resized_and_gets_a_thumbnail():
    processed = process_photo(_upload(jpeg_bytes(size=(4000, 3000))))
    assert max(processed.width, processed.height) == 2048
    thumb = Image.open(io.BytesIO(processed.thumbnail))
    assert max(thumb.size) == 400


def test_png_with_transparency_becomes_a_jpeg():
    buffer = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(buffer, format="PNG")
    processed = process_photo(_upload(buffer.getvalue(), name="clip.png"))
    assert Image.open(io.BytesIO(processed.image)).format == "JPEG"


def test_text_file_named_jpg_is_refused():
    with pytest.raises(ValidationError) as caught:
        process_photo(_upload(b"this is not a picture at all", name="notes.jpg"))
    assert "notes.jpg is not a photo we can read" in caught.value.messages[0]


def test_truncated_jpeg_is_refused():
    data = jpeg_bytes(size=(400, 300))
    with pytest.raises(ValidationError) as caught:
        process_photo(_upload(data[: len(data) // 2]))
    assert caught.value.code == "invalid_image"


@pytest.mark.parametrize("side", [1200, 4000], ids=["over-the-limit", "far-over-the-limit"])
def test_decompression_bomb_is_refused(settings, side):
    settings.PHOTO_MAX_PIXELS = 1_000_000
    buffer = io.BytesIO()
    # Compresses to a few kB but decodes to millions of pixels.
    Image.new("L", (side, side)).save(buffer, format="PNG")
    with pytest.raises(ValidationError) as caught:
        process_photo(_upload(buffer.getvalue(), name="bomb.png"))
    assert caught.value.code == "too_many_pixels"


def test_file_over_the_size_limit_is_refused(settings):
    settings.PHOTO_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as caught:
        process_photo(_upload(jpeg_bytes(size=(400, 300)), name="big.jpg"))
    assert caught.value.code == "too_large"
    assert "big.jpg" in caught.value.messages[0]
