"""Plain factory functions: make_<thing>(**overrides) with sensible defaults."""

from __future__ import annotations

import io
import itertools

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from reports.actions import submit_report
from reports.models import Authority, Contact, Report, Service, ServiceAttribute

_seq = itertools.count(1)

# A square inside the default service area (the demo city).
CENTRE = (51.51, -0.14)
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[-0.23, 51.47], [-0.05, 51.47], [-0.05, 51.55], [-0.23, 51.55], [-0.23, 51.47]]
    ],
}


def make_user(email: str | None = None, password: str = "correct-horse-battery", **kw):
    n = next(_seq)
    email = email or f"user{n}@example.org"
    user = get_user_model().objects.create_user(
        username=kw.pop("username", f"user{n}"), email=email, password=password, **kw
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_service(code: str | None = None, **kw) -> Service:
    n = next(_seq)
    return Service.objects.create(
        code=code or f"service-{n}", name=kw.pop("name", f"Service {n}"), **kw
    )


def make_attribute(service: Service, code: str | None = None, **kw) -> ServiceAttribute:
    n = next(_seq)
    kw.setdefault("datatype", ServiceAttribute.Datatype.STRING)
    kw.setdefault("description", f"Question {n}")
    return ServiceAttribute.objects.create(service=service, code=code or f"attr-{n}", **kw)


def make_authority(services=(), boundary=SQUARE, **kw) -> Authority:
    n = next(_seq)
    kw.setdefault("name", f"Authority {n}")
    kw.setdefault("slug", f"authority-{n}")
    kw.setdefault("email", f"authority{n}@example.org")
    authority = Authority.objects.create(boundary=boundary, **kw)
    for service in services:
        Contact.objects.create(authority=authority, service=service, email=authority.email)
    return authority


def make_staff(authority: Authority, **kw):
    user = make_user(**kw)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(authority.staff_group)
    return user


def make_report(service: Service | None = None, **kw) -> Report:
    """A report through the real submit function (thread, routing, timeline)."""
    n = next(_seq)
    service = service or make_service()
    lat, lon = kw.pop("lat", CENTRE[0]), kw.pop("lon", CENTRE[1])
    state = kw.pop("state", None)
    kw.setdefault("title", f"Problem {n}")
    kw.setdefault("description", "Something is broken here.")
    kw.setdefault("notify", False)
    report = submit_report(service=service, lat=lat, lon=lon, **kw)
    if state and state != report.state:
        report.set_state(state)
    return report


def jpeg_bytes(size=(64, 48), color=(200, 40, 40), exif=None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()


def jpeg_upload(name: str = "photo.jpg", **kw) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kw), content_type="image/jpeg")
