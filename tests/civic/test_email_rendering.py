"""Every email template, for a report of every demo service, in text and HTML:
links are absolute to SITE_URL and plain text is never HTML-escaped."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from civic.outbox import render_email
from civic_site.demo_data import SERVICES
from civic_site.management.commands.seed_demo import Command as Seed
from civic_site.management.commands.seed_demo import random_answers
from tests import factories
from tests.email_samples import SAMPLES, TRICKY

SITE = "http://civic.example:8101"
TEMPLATES = sorted(
    path.name.removesuffix("-subject.txt")
    for path in (Path(django_settings.BASE_DIR) / "templates" / "emails").glob("*-subject.txt")
)
DEMO_SERVICES = [code for code, *_rest in SERVICES]
# Links to other sites the emails may carry (a map of the place).
EXTERNAL = ("https://www.openstreetmap.org/",)
URL = re.compile(r"https?://[^\s<>\"']+")
HREF = re.compile(r"""(?:href|src)="([^"]*)\"""")


def test_every_template_has_a_sample_context():
    assert TEMPLATES, "no email templates found"
    missing = sorted(set(TEMPLATES) - set(SAMPLES))
    assert not missing, f"add a sample context to tests/email_samples.py for {missing}"


@pytest.fixture
def demo_reports(db, settings):
    settings.SITE_URL = SITE
    services = Seed().ensure_services()
    authority = factories.make_authority(services=services.values(), name="Mill & Co's Council")
    reporter = factories.make_user(first_name="Zoë", last_name="O'Neil")
    rng = random.Random(9)
    reports = {}
    for code, service in services.items():
        reports[code] = factories.make_report(
            service,
            title=f"Broken sign on {TRICKY}",
            description="It's *bent* & loose.\n\n- one\n- two",
            address=TRICKY,
            attributes=random_answers(rng, list(service.attributes.all()), timezone.now()),
            reporter=reporter,
            photos=[],
        )
        assert reports[code].authority == authority
    return reports, reporter


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("service_code", DEMO_SERVICES)
def test_email_renders_with_absolute_links_and_unescaped_text(demo_reports, template, service_code):
    reports, user = demo_reports
    report = reports[service_code]
    subject, text, html = render_email(template, SAMPLES[template](report, user))

    for part in (subject, text):
        assert "&amp;" not in part and "&#x27;" not in part and "&quot;" not in part
    assert subject.strip() and text.strip()
    assert "\n" not in subject
    links = URL.findall(text) + (HREF.findall(html) if html else [])
    assert links, f"{template} links to nothing"
    for link in links:
        link = link.replace("&amp;", "&")
        assert link.startswith((SITE + "/", "mailto:", *EXTERNAL)), f"{template}: {link}"
    # No link is left relative in either part.
    assert not re.search(r"(?m)^\s*/\w", text)
    if html:
        assert "<script" not in html
        # Escaped in HTML: the tricky name shows as entities, never raw markup.
        assert TRICKY not in html or "&amp;" in html
