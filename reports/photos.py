"""Photo processing: every upload is decoded and re-encoded by Pillow.

Orientation from EXIF is applied, the image is resized to at most 2048 px,
all metadata (GPS above all) is dropped, and a thumbnail is made. The GPS
position is read first, so the form can offer "use the photo's location".
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageFilter, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

# HEIC/HEIF (what iPhones and many Android phones write) decoded by libheif.
register_heif_opener()

MAX_SIDE = 2048
THUMB_SIDE = 400
# MPO is what many phone cameras write: a JPEG with extra frames.
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO", "HEIF"}


@dataclass
class ProcessedPhoto:
    image: bytes
    thumbnail: bytes
    width: int
    height: int
    gps: tuple[float, float] | None


def _rational(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        num, den = value
        return float(num) / float(den)


def read_gps(image: Image.Image) -> tuple[float, float] | None:
    """(lat, lon) from the EXIF GPS block, or None."""
    try:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # noqa: BLE001 - broken EXIF is common; it only costs the hint
        return None
    if not gps or 2 not in gps or 4 not in gps:
        return None
    try:
        lat = sum(_rational(v) / 60**i for i, v in enumerate(gps[2]))
        lon = sum(_rational(v) / 60**i for i, v in enumerate(gps[4]))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if gps.get(1) in ("S", b"S"):
        lat = -lat
    if gps.get(3) in ("W", b"W"):
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return round(lat, 6), round(lon, 6)


def _encode(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def process_photo(upload) -> ProcessedPhoto:
    """Validate and clean one uploaded file; raises ValidationError with a clear message."""
    size = getattr(upload, "size", None)
    if size is not None and size > settings.PHOTO_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is %(size)s; photos can be at most %(max)s.")
            % {
                "name": getattr(upload, "name", _("The file")),
                "size": filesizeformat(size),
                "max": filesizeformat(settings.PHOTO_MAX_BYTES),
            },
            code="too_large",
        )
    Image.MAX_IMAGE_PIXELS = settings.PHOTO_MAX_PIXELS
    not_image = ValidationError(
        _("%(name)s is not a photo we can read. Please attach a JPEG, PNG, WebP or HEIC image.")
        % {"name": getattr(upload, "name", _("The file"))},
        code="invalid_image",
    )
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse those too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            upload.seek(0)
            probe = Image.open(upload)
            if probe.format not in ALLOWED_FORMATS:
                raise not_image
            probe.verify()  # catches truncated and corrupt files
            upload.seek(0)
            image = Image.open(upload)
            gps = read_gps(image)
            image.draft("RGB", (MAX_SIDE * 2, MAX_SIDE * 2))  # fast JPEG downscale on decode
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ValidationError(
                _("This image has too many pixels to process safely."), code="too_many_pixels"
            ) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise not_image from exc
    image = ImageOps.exif_transpose(image)
    image.info.clear()  # ICC profile, XMP, EXIF bytes: none of it goes on
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    elif image.mode == "L":
        image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # A fresh image carries no metadata at all: no EXIF, no XMP, no ICC comments.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    return _finished(clean, gps)


def _finished(image: Image.Image, gps: tuple[float, float] | None = None) -> ProcessedPhoto:
    """The image and its thumbnail, encoded as they are stored."""
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        image=_encode(image, 85),
        thumbnail=_encode(thumb, 80),
        width=image.width,
        height=image.height,
        gps=gps,
    )


def blur_region(data: bytes, box: tuple[float, float, float, float]) -> ProcessedPhoto:
    """The photo (as stored: JPEG, at most MAX_SIDE) with the region `box` (left, top,
    right, bottom, as fractions of the width and height) made unreadable: coarsely
    pixelated, then blurred, so neither a face nor a number plate can be recovered from
    it. Returns the new image and thumbnail."""
    image = Image.open(io.BytesIO(data))
    image.load()
    image = image.convert("RGB")
    left, top, right, bottom = box
    region = (
        int(left * image.width),
        int(top * image.height),
        max(int(left * image.width) + 1, round(right * image.width)),
        max(int(top * image.height) + 1, round(bottom * image.height)),
    )
    part = image.crop(region)
    # About 8 blocks across the region's longer side, however large it is.
    block = max(1, max(part.size) // 8)
    small = part.resize(
        (max(1, part.width // block), max(1, part.height // block)), Image.Resampling.BOX
    )
    part = small.resize(part.size, Image.Resampling.NEAREST)
    part = part.filter(ImageFilter.GaussianBlur(radius=max(2, block // 2)))
    image.paste(part, region[:2])
    return _finished(image)
