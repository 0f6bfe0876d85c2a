from __future__ import annotations

from civic.models import OutboundEmail
from delivery.models import Delivery
from discussions.models import Follow
from reports.models import Report
from tests.factories import make_report


def test_submit_creates_thread_delivery_timeline_and_email(service, authority, resident):
    report = make_report(service=service, reporter=resident, notify=True)

    assert report.state == Report.State.SUBMITTED
    assert report.authority == authority
    assert report.thread.title == report.title
    assert report.thread.get_absolute_url() == report.get_absolute_url()
    assert report.thread.official_group == authority.staff_group
    assert Follow.objects.filter(thread=report.thread, user=resident).exists()
    assert list(Delivery.objects.filter(report=report).values_list("authority", flat=True)) == [
        authority.pk
    ]
    assert [u.state for u in report.updates.all()] == ["submitted"]
    email = OutboundEmail.objects.get()
    assert email.to == resident.email
    assert f"/reports/{report.pk}/" in email.body_text
