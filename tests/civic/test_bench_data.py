"""The benchmark's large data sets: the seeded reports copied in SQL."""

from __future__ import annotations

from civic_site.benchmark import data
from delivery.models import Delivery
from discussions.models import Follow, Thread
from reports.actions import change_state
from reports.models import Report, ReportUpdate
from tests.factories import make_report


def test_copies_top_the_reports_up_each_with_its_own_thread_token_and_history(
    service, resident, monkeypatch
):
    monkeypatch.setattr(data, "SEEDED_AT_MOST", 4)
    sources = [make_report(service=service, reporter=resident, title=f"Hole {n}") for n in range(4)]
    change_state(sources[1], "in_progress", note="On it.")

    data._top_up_by_copies(10)  # two rounds of 4, then 2

    assert Report.objects.count() == 10
    copies = Report.objects.exclude(pk__in=[r.pk for r in sources]).select_related("thread")
    assert len({c.token for c in Report.objects.all()}) == 10
    assert len({c.thread_id for c in Report.objects.all()}) == 10
    for copy in copies:
        assert copy.thread.owner_id == copy.pk
        assert copy.thread.comment_count == 0
        assert abs(copy.lat - sources[0].lat) < 0.002
        assert copy.title.startswith("Hole ")
        assert copy.get_absolute_url() == copy.thread.get_absolute_url()
    # Histories, deliveries and the reporter's follow come along.
    assert ReportUpdate.objects.filter(report__in=copies, note="On it.").count() == 2
    assert Delivery.objects.count() == 10 * Delivery.objects.filter(report=sources[0]).count()
    assert Follow.objects.filter(user=resident).count() == 10
    assert Thread.objects.filter(kind=Thread.Kind.REPORT).count() == 10
