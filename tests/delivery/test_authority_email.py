"""The email an authority receives for a report, for every service of the demo city."""

from __future__ import annotations

import pytest

from civic.models import OutboundEmail
from civic_site.management.commands.seed_demo import Command as SeedDemo
from delivery.models import Delivery
from delivery.sending import deliver_due
from reports.models import ServiceAttribute
from tests.factories import make_authority, make_report

pytestmark = pytest.mark.django_db

D = ServiceAttribute.Datatype


def _full_answers(service) -> tuple[dict, list[tuple[str, str]]]:
    """An answer to every question, and the (question, shown answer) pairs expected."""
    answers, expected = {}, []
    for attribute in service.attributes.all():
        if not attribute.variable:
            continue
        values = attribute.values or []
        if attribute.datatype == D.SINGLEVALUELIST:
            answers[attribute.code] = values[0]["key"]
            expected.append((attribute.description, values[0]["name"]))
        elif attribute.datatype == D.MULTIVALUELIST:
            answers[attribute.code] = [v["key"] for v in values[:2]]
            expected.append((attribute.description, values[1]["name"]))
        elif attribute.datatype == D.NUMBER:
            answers[attribute.code] = "42"
            expected.append((attribute.description, "42"))
        elif attribute.datatype == D.DATETIME:
            answers[attribute.code] = "2026-11-20T08:30:00"
            expected.append((attribute.description, "2026"))
        else:
            answers[attribute.code] = "Beside the bus stop"
            expected.append((attribute.description, "Beside the bus stop"))
    return answers, expected


def test_every_demo_service_report_reaches_its_authority_by_email():
    services = SeedDemo().ensure_services()
    authority = make_authority(services=services.values(), email="council@example.org")
    assert "fly-tipping" in services
    for code, service in services.items():
        answers, expected = _full_answers(service)
        report = make_report(service=service, attributes=answers, title=f"A {code} report")

        assert deliver_due() == 1, Delivery.objects.get(report=report).last_error

        delivery = Delivery.objects.get(report=report, authority=authority)
        assert delivery.state == Delivery.State.SENT
        email = OutboundEmail.objects.filter(to="council@example.org").latest("pk")
        assert report.title in email.subject
        for question, shown in expected:
            assert f"{question}: " in email.body_text, (code, question)
            assert shown in email.body_text, (code, question)
            assert shown in email.body_html, (code, question)
        # The raw codes are for machines: the email speaks in the service's words.
        assert "[&#x27;" not in email.body_html and "['" not in email.body_text


def test_fly_tipping_report_with_an_items_answer_is_delivered():
    services = SeedDemo().ensure_services()
    fly_tipping = services["fly-tipping"]
    make_authority(services=[fly_tipping], email="waste@example.org")
    report = make_report(service=fly_tipping, attributes={"items": ["bags", "furniture"]})

    deliver_due()

    assert Delivery.objects.get(report=report).state == Delivery.State.SENT
    email = OutboundEmail.objects.get(to="waste@example.org")
    assert "What has been dumped?: Bin bags, Furniture" in email.body_text
    assert "<td>Bin bags, Furniture</td>" in email.body_html
