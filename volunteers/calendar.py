"""iCalendar files: one call (attached to the confirmation by link) and the feed of all."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vGeo

from volunteers.models import Opportunity

PRODID = "-//Civic//Volunteer calls//EN"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def _event(opportunity: Opportunity) -> Event:
    event = Event()
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "civic.localhost"
    event.add("uid", f"volunteer-call-{opportunity.pk}@{host}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", opportunity.start_at)
    event.add("dtend", opportunity.end_at)
    event.add("summary", opportunity.title)
    url = settings.SITE_URL + opportunity.get_absolute_url()
    description = opportunity.description
    if opportunity.what_to_bring:
        description = f"{description}\n\nBring: {opportunity.what_to_bring}".strip()
    event.add("description", f"{description}\n\n{url}".strip())
    event.add("location", opportunity.meeting_point)
    if opportunity.has_place:
        event.add("geo", vGeo((opportunity.lat, opportunity.lon)))
    event.add("url", url)
    event.add("sequence", opportunity.sequence)
    event.add("last-modified", opportunity.updated_at)
    cancelled = opportunity.state == Opportunity.State.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def single(opportunity: Opportunity) -> bytes:
    cal = _calendar(opportunity.title)
    cal.add_component(_event(opportunity))
    return cal.to_ical()


def feed(opportunities: Iterable[Opportunity], name: str) -> bytes:
    cal = _calendar(name)
    for opportunity in opportunities:
        cal.add_component(_event(opportunity))
    return cal.to_ical()
