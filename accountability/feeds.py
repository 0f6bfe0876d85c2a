"""RSS and Atom feeds (Django's syndication framework): new reports everywhere, by
service, by authority, near a point, and one report's public timeline.

A feed carries only what the report page shows publicly: never the reporter's
contact details, and the reporter's name only when they chose to show it.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from civic.links import absolute_url
from places.geo import near
from reports.forms.reading import NearFeedForm
from reports.models import Authority, Report, ReportUpdate, Service

FEED_ITEMS = 50


class _ReportsFeed(Feed):
    """Newest visible reports first; subclasses narrow the list."""

    def get_object(self, request, *args, **kwargs):
        return None

    def reports(self, obj):
        return Report.objects.visible()

    def items(self, obj):
        return list(
            self.reports(obj)
            .select_related("service", "reporter__profile")
            .order_by("-requested_at", "-id")[:FEED_ITEMS]
        )

    def link(self, obj) -> str:
        return reverse("reports:list")

    def item_title(self, item: Report) -> str:
        return f"{item.title} ({item.service.name})"

    def item_description(self, item: Report) -> str:
        parts = [item.get_state_display()]
        if item.address:
            parts.append(item.address)
        if item.description:
            parts.append(item.description)
        return "\n\n".join(parts)

    def item_link(self, item: Report) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Report) -> str:
        return absolute_url(item.get_absolute_url())

    item_guid_is_permalink = True

    def item_pubdate(self, item: Report):
        return item.requested_at

    def item_updateddate(self, item: Report):
        return item.updated_at

    def item_author_name(self, item: Report) -> str:
        return item.public_name

    def item_categories(self, item: Report):
        return [item.service.name]


class NewReportsFeed(_ReportsFeed):
    def title(self, obj) -> str:
        return _("New reports")

    def description(self, obj) -> str:
        return _("Problems reported by residents, newest first.")


class ServiceReportsFeed(_ReportsFeed):
    def get_object(self, request, code: str):
        return get_object_or_404(Service, code=code)

    def reports(self, obj):
        return Report.objects.visible().filter(service=obj)

    def title(self, obj) -> str:
        return _("New reports: %(service)s") % {"service": obj.name}

    def description(self, obj) -> str:
        return obj.description or self.title(obj)

    def link(self, obj) -> str:
        return f"{reverse('reports:list')}?service={obj.code}"


class AuthorityReportsFeed(_ReportsFeed):
    def get_object(self, request, slug: str):
        return get_object_or_404(Authority, slug=slug, is_active=True)

    def reports(self, obj):
        return Report.objects.visible().filter(authority=obj)

    def title(self, obj) -> str:
        return _("New reports for %(authority)s") % {"authority": obj.name}

    def description(self, obj) -> str:
        return self.title(obj)

    def link(self, obj) -> str:
        return reverse("authorities:detail", args=[obj.slug])


class NearReportsFeed(_ReportsFeed):
    """?lat=…&lon=…&radius=<metres> (default 500, at most 5 km)."""

    def get_object(self, request):
        form = NearFeedForm(request.GET)
        if not form.is_valid():
            raise Http404(_("A feed near a point needs lat, lon and an optional radius."))
        return form.cleaned_data

    def reports(self, obj):
        return near(Report.objects.visible(), obj["lat"], obj["lon"], obj["radius"])

    def title(self, obj) -> str:
        return _("New reports within %(radius)d m of %(lat).5f, %(lon).5f") % obj

    def description(self, obj) -> str:
        return self.title(obj)


class ReportUpdatesFeed(Feed):
    """One report's public timeline."""

    def get_object(self, request, pk: int):
        report = get_object_or_404(Report.objects.select_related("authority"), pk=pk)
        if report.is_hidden:
            raise Http404
        return report

    def title(self, obj: Report) -> str:
        return _("Progress of report #%(id)s: %(title)s") % {"id": obj.pk, "title": obj.title}

    def description(self, obj: Report) -> str:
        return self.title(obj)

    def link(self, obj: Report) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Report):
        updates = list(
            ReportUpdate.objects.filter(report=obj).order_by("-created_at", "-id")[:FEED_ITEMS]
        )
        for update in updates:
            update.report = obj
        return updates

    def item_title(self, item: ReportUpdate) -> str:
        label = item.get_state_display() if item.state else _("Update")
        if item.is_official and item.report.authority:
            return f"{label} — {item.report.authority.name}"
        return str(label)

    def item_description(self, item: ReportUpdate) -> str:
        return item.note or str(item.get_state_display() or "")

    def item_link(self, item: ReportUpdate) -> str:
        return f"{item.report.get_absolute_url()}#update-{item.pk}"

    def item_guid(self, item: ReportUpdate) -> str:
        return absolute_url(self.item_link(item))

    def item_pubdate(self, item: ReportUpdate):
        return item.created_at


def atom(feed_class: type[Feed]) -> type[Feed]:
    """The same feed as Atom."""
    return type(
        f"{feed_class.__name__}Atom",
        (feed_class,),
        {"feed_type": Atom1Feed, "subtitle": feed_class.description},
    )
