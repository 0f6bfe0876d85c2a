"""A demo city: services, authorities, staff, residents and reports.

Idempotent: running it again adds nothing that is already there. With
`--reports N` it tops the database up to N reports using bulk inserts.
"""

from __future__ import annotations

import io
import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw
from tqdm import tqdm

from civic_site.demo_data import (
    CANNED_RESPONSES,
    DESCRIPTIONS,
    OFFICIAL_NOTES,
    OFFICIAL_REPLY,
    REPORT_COMMENTS,
    SERVICE_TARGETS,
    SERVICES,
    STATE_WEIGHTS,
    STREETS,
    TITLES,
    TOPICS,
)
from delivery.models import Delivery
from discussions.actions import create_topic, post_comment, set_support
from discussions.models import Notification, Thread
from places.gazetteer import seed_demo_places
from reports.actions import bulk_import_reports, change_state, submit_report
from reports.models import Authority, Contact, Report, Service, ServiceAttribute
from reports.photos import process_photo
from triage.models import CannedResponse
from volunteers.demo import seed_volunteers

DEMO_PASSWORD = "civic-demo-2026"
ADMIN_EMAIL = "admin@civic.localhost"
STAFF_EMAIL = "staff@civic.localhost"
RESIDENT_EMAIL = "resident@civic.localhost"


def demo_photo(rng: random.Random, service_code: str) -> io.BytesIO:
    """A small drawn picture standing in for a resident's photo."""
    image = Image.new("RGB", (960, 720), (120, 124, 128))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 960, 300), fill=(160, 200, 235))  # sky
    draw.rectangle((0, 300, 960, 720), fill=(90, 92, 96))  # road
    for x in range(0, 960, 160):
        draw.rectangle((x + 40, 500, x + 120, 515), fill=(235, 235, 220))
    if service_code == "pothole":
        cx, cy = rng.randint(300, 660), rng.randint(560, 640)
        draw.ellipse((cx - 120, cy - 45, cx + 120, cy + 45), fill=(40, 38, 36))
    elif service_code == "streetlight":
        draw.rectangle((460, 80, 475, 480), fill=(60, 60, 60))
        draw.ellipse((440, 60, 500, 100), fill=(70, 70, 70))
    elif service_code == "graffiti":
        draw.rectangle((100, 120, 860, 480), fill=(170, 150, 130))
        for _ in range(6):
            x, y = rng.randint(150, 700), rng.randint(160, 420)
            draw.arc((x, y, x + 160, y + 80), 0, 300, fill=(rng.randint(0, 255), 40, 200), width=12)
    else:
        for _ in range(5):
            x, y = rng.randint(200, 700), rng.randint(360, 560)
            draw.rectangle((x, y, x + 90, y + 70), fill=(30, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    buffer.seek(0)
    buffer.name = f"{service_code}.jpg"
    buffer.size = buffer.getbuffer().nbytes
    return buffer


def random_answers(rng: random.Random, attributes: list[ServiceAttribute], when) -> dict:
    answers = {}
    for attribute in attributes:
        if not attribute.variable or (not attribute.required and rng.random() < 0.5):
            continue
        keys = [v["key"] for v in attribute.values]
        if attribute.datatype == ServiceAttribute.Datatype.SINGLEVALUELIST:
            answers[attribute.code] = rng.choice(keys)
        elif attribute.datatype == ServiceAttribute.Datatype.MULTIVALUELIST:
            answers[attribute.code] = rng.sample(keys, rng.randint(1, min(2, len(keys))))
        elif attribute.datatype == ServiceAttribute.Datatype.NUMBER:
            answers[attribute.code] = str(rng.randint(10, 120))
        elif attribute.datatype == ServiceAttribute.Datatype.DATETIME:
            answers[attribute.code] = (when - timedelta(days=rng.randint(1, 10))).isoformat(
                timespec="seconds"
            )
        elif attribute.datatype == ServiceAttribute.Datatype.STRING:
            answers[attribute.code] = f"{rng.choice('ABCDEFGH')}{rng.randint(10, 999)}"
        else:
            answers[attribute.code] = rng.choice(DESCRIPTIONS[:-1])
    return answers


class Command(BaseCommand):
    help = "Create a demo city with services, authorities, staff, residents and reports."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reports", type=int, default=200, help="Top the database up to this many reports."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")

    def handle(self, *args, reports: int = 200, seed: int = 2026, **options) -> None:
        rng = random.Random(seed)
        with transaction.atomic():
            services = self.ensure_services()
            authorities = self.ensure_authorities(services)
            users = self.ensure_users(authorities)
            # The gazetteer: address search works with no network.
            seed_demo_places()
        existing = Report.objects.count()
        if existing < reports:
            self.make_reports(rng, services, users, reports - existing)
        if not Thread.objects.topics().exists():
            self.make_conversations(rng, users)
        seed_volunteers(get_user_model().objects.get(email=STAFF_EMAIL), users)
        self.stdout.write(self.style.SUCCESS(f"Demo city ready: {Report.objects.count()} reports."))
        self.stdout.write(self.logins())

    @staticmethod
    def logins() -> str:
        return (
            f"  Resident: {RESIDENT_EMAIL} / {DEMO_PASSWORD}\n"
            f"  Staff (North Riverside Council): {STAFF_EMAIL} / {DEMO_PASSWORD}\n"
            f"  Administrator: {ADMIN_EMAIL} / {DEMO_PASSWORD}"
        )

    def ensure_services(self) -> dict[str, Service]:
        services = {}
        for order, (code, name, group, description, keywords, attributes) in enumerate(SERVICES):
            service, created = Service.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "group": group,
                    "description": description,
                    "keywords": keywords,
                    "order": order,
                    "target_working_days": SERVICE_TARGETS.get(code),
                },
            )
            if created:
                ServiceAttribute.objects.bulk_create(
                    ServiceAttribute(
                        service=service,
                        code=a_code,
                        datatype=datatype,
                        required=required,
                        description=question,
                        values=values,
                        order=i,
                        variable=a_code not in ("notice", "safety"),
                    )
                    for i, (a_code, datatype, required, question, values) in enumerate(attributes)
                )
            services[code] = service
        return services

    def ensure_authorities(self, services: dict[str, Service]) -> dict[str, Authority]:
        west, south, east, north = settings.SERVICE_AREA
        middle = (south + north) / 2

        def box(s: float, n: float) -> dict:
            return {
                "type": "Polygon",
                "coordinates": [[[west, s], [east, s], [east, n], [west, n], [west, s]]],
            }

        council_services = [s for code, s in services.items() if code not in ("water-leak",)]
        plan = [
            ("north-riverside", "North Riverside Council", box(middle, north), council_services),
            ("south-riverside", "South Riverside Council", box(south, middle), council_services),
            (
                "riverside-water",
                "Riverside Water",
                box(south, north),
                [services["water-leak"], services["blocked-drain"]],
            ),
        ]
        authorities = {}
        for slug, name, boundary, served in plan:
            authority, _created = Authority.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "boundary": boundary,
                    "email": f"reports@{slug}.example.org",
                    "website": f"https://{slug}.example.org/",
                },
            )
            for service in served:
                Contact.objects.get_or_create(
                    authority=authority,
                    service=service,
                    defaults={"email": f"{service.code}@{slug}.example.org"},
                )
            for order, (state, title, text) in enumerate(CANNED_RESPONSES):
                CannedResponse.objects.get_or_create(
                    authority=authority,
                    title=title,
                    defaults={"state": state, "text": text, "order": order},
                )
            authorities[slug] = authority
        return authorities

    def ensure_users(self, authorities: dict[str, Authority]) -> list:
        from allauth.account.models import EmailAddress

        User = get_user_model()
        # Hashing is deliberately slow: hash the shared demo password once.
        password = make_password(DEMO_PASSWORD)

        def user(email: str, first: str, last: str, **flags):
            obj, created = User.objects.get_or_create(
                username=email.split("@")[0],
                defaults={"email": email, "first_name": first, "last_name": last, **flags},
            )
            if created:
                obj.password = password
                obj.save(update_fields=["password"])
                EmailAddress.objects.get_or_create(
                    user=obj, email=email, defaults={"verified": True, "primary": True}
                )
            return obj

        user(ADMIN_EMAIL, "Ada", "Admin", is_staff=True, is_superuser=True)
        staff = user(STAFF_EMAIL, "Sam", "Okafor", is_staff=True)
        staff.groups.add(authorities["north-riverside"].staff_group)
        residents = [user(RESIDENT_EMAIL, "Rosa", "Lind")]
        for first, last in [
            ("Jon", "Baker"),
            ("Mia", "Chen"),
            ("Ali", "Hassan"),
            ("Eva", "Novak"),
            ("Tom", "Reyes"),
            ("Ines", "Costa"),
            ("Kai", "Müller"),
            ("Zoe", "Adams"),
        ]:
            residents.append(user(f"{first.lower()}@civic.localhost", first, last))
        return residents

    @transaction.atomic
    def make_conversations(self, rng: random.Random, users: list) -> None:
        """Community topics and comments on recent reports, with an official answer or two."""
        west, south, east, north = settings.SERVICE_AREA
        staff = get_user_model().objects.get(email=STAFF_EMAIL)
        for age, (kind, title, body, replies) in enumerate(TOPICS):
            author = rng.choice(users)
            started = timezone.now() - timedelta(days=2 * age + 1, hours=rng.randint(0, 12))
            has_place = kind != Thread.Kind.QUESTION
            topic = create_topic(
                author=author,
                kind=kind,
                title=title,
                body=body,
                lat=round(rng.uniform(south, north), 6) if has_place else None,
                lon=round(rng.uniform(west, east), 6) if has_place else None,
                now=started,
            )
            first = None
            for i, text in enumerate(replies):
                # The last reply answers the first comment, so the thread nests.
                reply_to = first if i == len(replies) - 1 else None
                speaker = users[(users.index(author) + i + 1) % len(users)]
                at = started + timedelta(hours=3 * i + 1)
                comment = post_comment(topic, speaker, text, reply_to=reply_to, now=at)
                first = first or comment
            for supporter in rng.sample(users, rng.randint(1, len(users))):
                set_support(topic, supporter, True)
        recent = (
            Report.objects.filter(authority__staff_group__in=staff.groups.all())
            .order_by("-requested_at")
            .select_related("thread")[:15]
        )
        now = timezone.now()
        for report in recent:
            # Comments arrive over the hours after the report, never in the future.
            times = sorted(
                min(now, report.requested_at + timedelta(minutes=rng.randint(20, 60 * 48)))
                for _ in range(4)
            )
            texts = rng.sample(REPORT_COMMENTS, rng.randint(1, 3))
            comments = [
                post_comment(report.thread, rng.choice(users), text, now=at)
                for text, at in zip(texts, times, strict=False)
            ]
            if rng.random() < 0.5:
                post_comment(
                    report.thread, staff, OFFICIAL_REPLY, reply_to=comments[0], now=times[-1]
                )
            for supporter in rng.sample(users, rng.randint(0, 4)):
                set_support(report.thread, supporter, True)
        # History, not news: nobody is emailed about the demo conversations.
        Notification.objects.all().delete()

    def make_reports(
        self, rng: random.Random, services: dict[str, Service], users: list, count: int
    ) -> None:
        west, south, east, north = settings.SERVICE_AREA
        attributes = {code: list(s.attributes.all()) for code, s in services.items()}
        codes = list(services)
        states = [s for s, _w in STATE_WEIGHTS]
        weights = [w for _s, w in STATE_WEIGHTS]
        now = timezone.now()
        staff = get_user_model().objects.get(email=STAFF_EMAIL)

        def row(i: int) -> dict:
            code = rng.choice(codes)
            when = now - timedelta(minutes=rng.randint(30, 60 * 24 * 120))
            state = rng.choices(states, weights)[0]
            return {
                "service": services[code],
                "lat": round(rng.uniform(south + 0.002, north - 0.002), 6),
                "lon": round(rng.uniform(west + 0.002, east - 0.002), 6),
                "title": rng.choice(TITLES[code]).format(n=rng.randint(1, 200)),
                "description": rng.choice(DESCRIPTIONS),
                "address": f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
                "attributes": random_answers(rng, attributes[code], when),
                "reporter": rng.choice(users),
                "show_name": rng.random() < 0.5,
                "state": state,
                "requested_at": when,
                "updated_at": when
                if state == Report.State.SUBMITTED
                else min(now, when + timedelta(hours=rng.randint(2, 240))),
            }

        # A few reports go through the full submit path with photos and notes,
        # so the demo shows everything a real report has.
        with_photos = min(24, count)
        for i in range(with_photos):
            spec = row(i)
            photo = process_photo(demo_photo(rng, spec["service"].code))
            with transaction.atomic():
                report = submit_report(
                    service=spec["service"],
                    lat=spec["lat"],
                    lon=spec["lon"],
                    title=spec["title"],
                    description=spec["description"],
                    address=spec["address"],
                    attributes=spec["attributes"],
                    reporter=spec["reporter"],
                    show_name=spec["show_name"],
                    photos=[photo],
                    requested_at=spec["requested_at"],
                    source=Report.Source.IMPORT,
                    notify=False,
                )
                Delivery.objects.filter(report=report).update(
                    state=Delivery.State.SENT, sent_at=spec["requested_at"]
                )
                if spec["state"] != Report.State.SUBMITTED:
                    # History: the answer came when the row says, not while seeding,
                    # so the timeline and the stats' durations read true.
                    change_state(
                        report,
                        spec["state"],
                        by=staff,
                        note=OFFICIAL_NOTES[spec["state"]],
                        is_official=True,
                        now=spec["updated_at"],
                    )
        remaining = count - with_photos
        batch = 2000
        with tqdm(total=remaining, desc="Reports", unit="report", disable=remaining < batch) as bar:
            while remaining > 0:
                size = min(batch, remaining)
                with transaction.atomic():
                    bulk_import_reports([row(i) for i in range(size)])
                remaining -= size
                bar.update(size)
