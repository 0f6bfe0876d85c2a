"""Two nodes behind one imaginary load balancer: whatever one does, the other sees."""

from __future__ import annotations

import asyncio
import io
import re
import threading
from html import unescape

import pytest
from PIL import Image

from tests.scaleout.conftest import Browser, free_port, stop, wait_until

# One set of servers per run: every scale-out test on the same xdist worker.
pytestmark = [pytest.mark.scaleout, pytest.mark.xdist_group("scaleout")]

HTMX = {"HX-Request": "true"}


def poll(visitor, node, thread_id: int, version: int):
    return visitor.get(
        f"{node.url}/community/threads/{thread_id}/comments/since/?v={version}", headers=HTMX
    )


def version_from(response) -> int:
    return int(response.headers["ETag"].strip('"').split(".")[1])


def post_comment(visitor, node, thread_id: int, body: str):
    return visitor.post(
        f"{node.url}/community/threads/{thread_id}/comments/", {"body": body}, headers=HTMX
    )


def test_a_session_started_on_one_node_is_known_to_the_other(
    cluster, nodes, visitor, make_resident
):
    a, b = nodes
    email, password = make_resident()
    visitor.sign_in(a, email, password)
    page = visitor.get(f"{b.url}/me/", allow_redirects=False)
    assert page.status_code == 200, page.status_code
    # Sessions live in Redis, not in the database.
    assert cluster.sql("SELECT count(*) FROM django_session") == [(0,)]


def test_a_comment_posted_through_one_node_appears_in_the_others_live_poll(
    nodes, city, visitor, make_resident
):
    a, b = nodes
    topic = city["topic"]
    reader = Browser()
    before = poll(reader, b, topic, 0)
    version = version_from(before)
    assert poll(reader, b, topic, version).status_code == 204  # nothing new yet

    email, password = make_resident()
    visitor.sign_in(a, email, password)
    posted = post_comment(visitor, a, topic, "The bench should face the river.")
    assert posted.status_code == 200, posted.text[:500]

    changes = poll(reader, b, topic, version)
    assert changes.status_code == 200
    assert "The bench should face the river." in unescape(changes.text)
    assert version_from(changes) > version
    assert poll(reader, b, topic, version_from(changes)).status_code == 204


def test_rate_limits_are_counted_across_nodes(cluster, nodes, city, visitor, make_resident):
    # tests/scaleout/settings.py allows 3 comments an hour.
    a, b = nodes
    email, password = make_resident()
    visitor.sign_in(a, email, password)
    statuses = [
        post_comment(visitor, node, city["topic"], f"Comment {i} via {node.name}").status_code
        for i, node in enumerate([a, b, a])
    ]
    assert statuses == [200, 200, 200]
    fourth = visitor.post(
        f"{b.url}/community/threads/{city['topic']}/comments/", {"body": "One too many"}
    )
    assert fourth.status_code == 429
    assert "One too many" in unescape(fourth.text)  # what was typed is kept
    stored = "SELECT count(*) FROM discussions_comment WHERE body LIKE %s"
    assert cluster.sql(stored, "Comment _ via node-_") == [(3,)]
    assert cluster.sql(stored, "One too many") == [(0,)]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_a_photo_uploaded_through_one_node_is_served_through_the_other_from_the_store(
    cluster, nodes, city, visitor, make_resident
):
    a, b = nodes
    email, password = make_resident()
    visitor.sign_in(a, email, password)
    visitor.get(f"{a.url}/reports/new/")
    created = visitor.post(
        f"{a.url}/reports/new/",
        {
            "service": "pothole",
            "lat": "51.5101",
            "lon": "-0.1402",
            "title": "Pothole with a photo",
            "description": "Deep enough to lose a wheel in.",
        },
        files={"photos": ("pothole.jpg", jpeg(), "image/jpeg")},
    )
    assert created.status_code == 302, created.text[:2000]
    report_path = created.headers["Location"]

    page = Browser().get(f"{b.url}{report_path}")
    assert page.status_code == 200
    links = re.findall(r'<a href="([^"]+)"><img src="([^"]+)"', page.text)
    assert len(links) == 1, "one photo link on the report page"
    full, thumbnail = (unescape(url) for url in links[0])
    for url in (full, thumbnail):
        assert url.startswith(f"{cluster.s3_url}/civic-photos/"), url
        served = Browser().get(url)
        assert served.status_code == 200
        assert Image.open(io.BytesIO(served.content)).format == "JPEG"
    # Nothing went to either node's own disk.
    assert not list((cluster.tmp / "node-a").rglob("*.jpg"))
    assert not list((cluster.tmp / "node-b").rglob("*.jpg"))


class CountingSMTP:
    """An SMTP server on a free port that counts every message by subject."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.subjects: list[str] = []
        self.lock = threading.Lock()
        server = self

        class Handler:
            async def handle_DATA(self, smtp, session, envelope):
                await asyncio.sleep(0.02)  # a real mail server's latency: both workers get work
                subject = re.search(rb"^Subject: (.*)$", envelope.content, re.M)
                with server.lock:
                    server.subjects.append(subject.group(1).decode().strip())
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> CountingSMTP:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


@pytest.mark.parametrize("rows", [300])
def test_two_workers_on_postgresql_send_every_email_exactly_once(cluster, rows):
    cluster.manage(
        code=f"""
from civic.models import OutboundEmail
OutboundEmail.objects.bulk_create(
    OutboundEmail(to=f"r{{i}}@example.org", subject=f"Message {{i}}", body_text="Hello")
    for i in range({rows})
)
"""
    )
    with CountingSMTP() as smtp:
        mail = {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_USE_TLS": "false",
        }
        workers = [
            cluster.spawn(f"worker-{n}", "manage.py", "work", "--interval", "0.2", **mail)
            for n in (1, 2)
        ]
        try:
            wait_until(
                lambda: (
                    cluster.sql(
                        "SELECT count(*) FROM civic_outboundemail"
                        " WHERE state = 'sent' AND subject LIKE 'Message %%'"
                    )[0][0]
                    == rows
                ),
                timeout=120,
                what="every email sent",
            )
        finally:
            for worker in workers:
                stop(worker)
    # Earlier tests in the cluster may have queued emails of their own: count this test's.
    ours = [subject for subject in smtp.subjects if subject.startswith("Message ")]
    assert sorted(ours) == sorted(f"Message {i}" for i in range(rows))
    # Both workers took part (each prints what it sent per round).
    sent = [
        sum(map(int, re.findall(r"emails: (\d+)", (cluster.tmp / f"worker-{n}.out").read_text())))
        for n in (1, 2)
    ]
    assert sum(sent) >= rows and min(sent) > 0, sent
    assert cluster.sql(
        "SELECT count(*) FROM civic_outboundemail WHERE attempts <> 1 AND subject LIKE 'Message %%'"
    ) == [(0,)]
