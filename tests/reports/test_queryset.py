from __future__ import annotations

import pytest

from reports.models import Report
from tests.factories import make_report

pytestmark = pytest.mark.django_db


def test_small_and_large_boxes_select_the_same_reports(service, authority):
    inside = make_report(service=service, lat=51.51, lon=-0.14)
    make_report(service=service, lat=51.53, lon=-0.06)  # outside both boxes below
    small = (-0.141, 51.509, -0.139, 51.511)  # a street: the lat/lon index
    large = (-0.23, 51.47, -0.10, 51.52)  # much of the city: the newest-first walk

    assert list(Report.objects.in_bbox(*small)) == [inside]
    assert list(Report.objects.in_bbox(*large)) == [inside]
