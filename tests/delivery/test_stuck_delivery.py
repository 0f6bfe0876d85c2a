"""A delivery that keeps failing is seen: one email to the authority's staff and the site's
administrators, and the admin shows it as stuck; retries go on."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from civic.outbox import send_due_emails
from delivery.models import Delivery
from delivery.sending import deliver_due
from reports.models import Authority
from tests.factories import make_authority, make_report, make_service, make_staff, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing(settings, fail_times):
    """An authority whose Open311 endpoint never answers, its staff, and the administrators."""
    settings.DELIVERY_STUCK_AFTER = 3
    settings.ADMINS = [("Site admin", "ops@example.org")]
    service = make_service()
    authority = make_authority(
        services=[service],
        send_method=Authority.SendMethod.OPEN311,
        endpoint="http://127.0.0.1:9/open311/v2",  # nothing listens on the discard port
        name="Borough Council",
    )
    officer = make_staff(authority, email="olga@borough.example.org")
    make_staff(make_authority(name="Elsewhere"), email="other@elsewhere.example.org")
    make_user(email="root@example.org", is_staff=True, is_superuser=True)
    report = make_report(service=service, title="Deep pothole")
    return {"authority": authority, "officer": officer, "report": report}


@pytest.fixture
def fail_times(time_machine):
    time_machine.move_to("2026-12-01 09:00:00Z", tick=False)

    def rounds(n: int) -> None:
        """n worker rounds, each once the delivery is due again; the emails go out too."""
        for _ in range(n):
            deliver_due()
            send_due_emails()
            time_machine.shift(7200)  # past the backoff

    return rounds


def stuck_emails() -> list:
    return [m for m in mail.outbox if "could not be delivered" in m.subject]


def test_after_n_failures_staff_and_administrators_get_one_email(failing, fail_times):
    fail_times(2)
    assert stuck_emails() == []

    fail_times(1)
    emails = stuck_emails()
    assert sorted(m.to[0] for m in emails) == [
        "olga@borough.example.org",
        "ops@example.org",
        "root@example.org",
    ]
    report = failing["report"]
    message = emails[0]
    assert message.subject == f"Report #{report.pk} could not be delivered to Borough Council"
    assert "failed to reach Borough Council 3 times" in message.body
    assert "127.0.0.1:9" in message.body  # the last error
    delivery = Delivery.objects.get(report=report)
    assert f"/admin/delivery/delivery/{delivery.pk}/change/" in message.body

    # Retries go on, and nobody is told again.
    fail_times(3)
    assert len(stuck_emails()) == 3
    delivery.refresh_from_db()
    assert delivery.attempts == 6 and delivery.state == Delivery.State.PENDING


def test_the_admin_lists_and_filters_stuck_deliveries(failing, fail_times, client):
    sent = make_report(service=failing["report"].service, title="Sent in the end")
    fail_times(3)
    # Sent at its fourth try: not stuck, however many tries it took.
    Delivery.objects.filter(report=sent).update(state=Delivery.State.SENT, attempts=4)
    client.force_login(failing["officer"])
    url = reverse("admin:delivery_delivery_changelist")

    stuck = client.get(url, {"stuck": "yes"})
    assert [d.report for d in stuck.context["cl"].result_list] == [failing["report"]]
    assert "Stuck (still retried)" in stuck.content.decode()
    not_stuck = client.get(url, {"stuck": "no"})
    assert [d.report for d in not_stuck.context["cl"].result_list] == [sent]
    # The column: a "yes" icon for the stuck row only.
    html = client.get(url).content.decode()
    assert html.count('class="field-stuck"><img src="/static/admin/img/icon-yes.svg"') == 1
