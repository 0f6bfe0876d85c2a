"""Plain factory functions: make_<thing>(**overrides) with sensible defaults."""

from __future__ import annotations

import io
import itertools
import shutil
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from PIL import Image

from civic import tasks
from civic.models import Profile
from discussions.actions import create_topic, post_comment
from discussions.models import Comment, Thread
from reports.actions import change_state, submit_report
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


def make_user(
    email: str | None = None,
    password: str = "correct-horse-battery",
    display_name: str | None = "",
    **kw,
):
    """A signed-up user with a verified email and a display name (their full name, or
    "Member <n>"); `display_name=None` makes one who has not chosen a name yet."""
    n = next(_seq)
    email = email or f"user{n}@example.org"
    user = get_user_model().objects.create_user(
        username=kw.pop("username", f"user{n}"), email=email, password=password, **kw
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if display_name is not None:
        name = display_name or user.get_full_name() or f"Member {n}"
        if not display_name and Profile.name_taken(name):
            name = f"{name} ({user.pk})"  # unique across processes too
        Profile.objects.create(user=user, display_name=name)
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


def worker_round() -> int:
    """The worker's first job of a round: the work requests handed on (civic/tasks.py),
    such as a new report's deliveries and emails, or the followers of a comment."""
    return tasks.run_due()


def make_report(service: Service | None = None, **kw) -> Report:
    """A report through the real submit function (thread, routing, timeline), as the
    worker has announced it (its deliveries, webhooks' events and email written)."""
    n = next(_seq)
    service = service or make_service()
    lat, lon = kw.pop("lat", CENTRE[0]), kw.pop("lon", CENTRE[1])
    state = kw.pop("state", None)
    kw.setdefault("title", f"Problem {n}")
    kw.setdefault("description", "Something is broken here.")
    kw.setdefault("notify", False)
    report = submit_report(service=service, lat=lat, lon=lon, **kw)
    worker_round()
    if state and state != report.state:
        change_state(report, state)
    return report


def jpeg_bytes(size=(64, 48), color=(200, 40, 40), exif=None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()


def jpeg_upload(name: str = "photo.jpg", **kw) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kw), content_type="image/jpeg")


def gps_exif(lat: float, lon: float):
    """An EXIF block with a GPS position, for photos that "know where they were taken"."""

    def dms(value: float) -> tuple[float, float, float]:
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)

    exif = Image.Exif()
    exif[0x8825] = {
        1: "N" if lat >= 0 else "S",
        2: dms(lat),
        3: "E" if lon >= 0 else "W",
        4: dms(lon),
    }
    return exif


def make_service_with_every_attribute(code: str = "streetlight", **kw) -> Service:
    """A service asking one question of each datatype, plus an information-only note.

    Required: `where-on-street` (string) and `colour` (singlevaluelist).
    """
    service = make_service(code=code, name=kw.pop("name", "Street light"), **kw)
    D = ServiceAttribute.Datatype
    make_attribute(
        service,
        "note",
        datatype=D.STRING,
        variable=False,
        order=0,
        description="Lights on main roads are fixed within 5 days.",
    )
    make_attribute(
        service,
        "where-on-street",
        datatype=D.STRING,
        required=True,
        order=1,
        description="Which lamp post is it?",
    )
    make_attribute(
        service,
        "post-count",
        datatype=D.NUMBER,
        order=2,
        description="How many lamp posts are out?",
    )
    make_attribute(service, "since", datatype=D.DATETIME, order=3, description="Since when?")
    make_attribute(service, "details", datatype=D.TEXT, order=4, description="Anything else?")
    make_attribute(
        service,
        "colour",
        datatype=D.SINGLEVALUELIST,
        required=True,
        order=5,
        description="What does the light do?",
        values=[{"key": "off", "name": "It is off"}, {"key": "flicker", "name": "It flickers"}],
    )
    make_attribute(
        service,
        "dangers",
        datatype=D.MULTIVALUELIST,
        order=6,
        description="Any danger?",
        values=[
            {"key": "dark-crossing", "name": "Dark crossing"},
            {"key": "wires", "name": "Loose wires"},
        ],
    )
    return service


# --- discussions -----------------------------------------------------------------------


def make_topic(author=None, **kw):
    """A community topic (a standalone thread), through the real action."""

    n = next(_seq)
    return create_topic(
        author=author or make_user(),
        kind=kw.pop("kind", Thread.Kind.IDEA),
        title=kw.pop("title", f"Topic {n}"),
        body=kw.pop("body", "Let us talk about this."),
        **kw,
    )


def make_comment(thread, author=None, body: str | None = None, reply_to=None, **kw):
    """A comment (or a reply) through the real posting action, its followers told by
    the worker."""

    n = next(_seq)
    comment = post_comment(
        thread, author or make_user(), body or f"Comment {n}", reply_to=reply_to, **kw
    )
    worker_round()
    return comment


def add_comments(thread: Thread, total: int, users) -> None:
    """`total` comments fast: a third top-level, the rest replies and replies to replies."""
    tops = Comment.objects.bulk_create(
        Comment(thread=thread, author=users[n % len(users)], body=f"Top {n}", body_html="<p>t</p>")
        for n in range(max(total // 3, 1))
    )
    for top in tops:
        top.path = Comment.path_segment(top.pk)
    Comment.objects.bulk_update(tops, ["path"])
    parents = list(tops)
    rest = total - len(tops)
    replies = Comment.objects.bulk_create(
        Comment(
            thread=thread,
            parent=parents[n % len(parents)],
            reply_to=parents[n % len(parents)],
            author=users[(n + 1) % len(users)],
            body=f"Reply {n}",
            body_html="<p>r</p>",
            depth=1,
            is_official=n % 7 == 0,
        )
        for n in range(rest)
    )
    for reply in replies:
        reply.path = f"{reply.parent.path}/{Comment.path_segment(reply.pk)}"
    Comment.objects.bulk_update(replies, ["path"])
    Thread.objects.filter(pk=thread.pk).update(comment_count=F("comment_count") + total)


def use_migrated(template: Path, folder: Path) -> None:
    """Put the `migrated_sqlite` fixture's database in a fresh data folder."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, folder / "civic.sqlite3")
