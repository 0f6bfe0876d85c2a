"""Staff triage: the queue's filters, its bulk actions, assignment and canned responses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civic.models import display_name
from places import gazetteer as places
from places import geo
from reports.forms.reading import MapFilterForm
from reports.models import Report
from triage.forms.canned import canned_field, fill_note
from triage.forms.staff import STAFF_NOTE_MAX_LENGTH
from triage.models import CannedResponse

# "Near a place": reports within this distance of the gazetteer's point, as a box.
NEAR_METRES = 500

QUEUE_SORTS = {
    "oldest": ("requested_at", "id"),
    "supported": ("-thread__support_count", "requested_at", "id"),
    "due": (F("due_at").asc(nulls_last=True), "requested_at", "id"),
}


def person_name(user) -> str:
    """How staff see a colleague: their display name, else full name, else email."""
    return display_name(user) or user.get_full_name() or user.email


def colleague_choices(colleagues: Iterable) -> list[tuple[str, str]]:
    return [(str(user.pk), person_name(user)) for user in colleagues]


class QueueFilterForm(MapFilterForm):
    """The list's filters (words, category, status, area) plus the queue's own: who it
    is assigned to, overdue only, and the order."""

    state = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any open status"))]
        + [(state.value, state.label) for state in Report.OPEN_STATES],
    )
    bbox = forms.CharField(
        label=gettext_lazy("Area"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("west,south,east,north in degrees, as the map gives it."),
    )
    near = forms.CharField(
        label=gettext_lazy("Near a place"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("A street or landmark: reports within 500 m of it."),
    )
    assignee = forms.ChoiceField(label=gettext_lazy("Assigned to"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    sort = forms.ChoiceField(
        label=gettext_lazy("Order"),
        required=False,
        choices=[
            ("oldest", gettext_lazy("Oldest first")),
            ("supported", gettext_lazy("Most supported first")),
            ("due", gettext_lazy("Due soonest first")),
        ],
    )

    def __init__(self, *args, colleagues: Sequence = (), **kwargs) -> None:
        kwargs.setdefault("auto_id", "queue-%s")
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", _("Anyone or nobody")),
            ("me", _("Me")),
            ("none", _("Nobody yet")),
            (_("A colleague"), colleague_choices(colleagues)),
        ]

    def clean_bbox(self):
        if not self.cleaned_data["bbox"].strip():
            return None
        return super().clean_bbox()

    def clean_near(self) -> tuple[float, float, float, float] | None:
        """The box around the first gazetteer place matching the text."""
        text = self.cleaned_data["near"].strip()
        if not text:
            return None
        found = places.search(text, limit=1)
        if not found:
            raise ValidationError(
                _("No place called “%(text)s” is known here.") % {"text": text}, code="unknown"
            )
        return geo.radius_bbox(found[0].lat, found[0].lon, NEAR_METRES)

    def filter_queue(self, reports: QuerySet[Report], *, user, now: datetime) -> QuerySet[Report]:
        reports = self.filter(reports)
        data = self.cleaned_data
        for box in (data.get("bbox"), data.get("near")):
            if box:
                reports = reports.in_bbox(*box)
        assignee = data.get("assignee")
        if assignee == "me":
            reports = reports.filter(assignee=user)
        elif assignee == "none":
            reports = reports.filter(assignee__isnull=True)
        elif assignee:
            reports = reports.filter(assignee_id=int(assignee))
        if data.get("overdue"):
            reports = reports.overdue(now)
        return reports.order_by(*QUEUE_SORTS[data.get("sort") or "oldest"])


class ReportIdsField(forms.Field):
    """The ticked reports' numbers (the queue's checkboxes, name="reports")."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        try:
            numbers = sorted({int(v) for v in value})
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("Report numbers must be numbers."), code="invalid") from exc
        return numbers

    def validate(self, value) -> None:
        if not value:
            raise ValidationError(_("Tick at least one report."), code="required")


BULK_ACTIONS = ("assign", "state", "duplicate")


class BulkActionForm(forms.Form):
    """One action on the ticked reports of the queue: assign them, change their status
    with one public note, or mark them as duplicates of one original."""

    reports = ReportIdsField()
    action = forms.ChoiceField(
        choices=[(a, a) for a in BULK_ACTIONS], widget=forms.HiddenInput, required=True
    )
    assignee = forms.ChoiceField(label=gettext_lazy("Assign to"), required=False)
    state = forms.ChoiceField(
        label=gettext_lazy("New status"),
        required=False,
        choices=[("", gettext_lazy("(keep the status: add the note only)"))]
        + [c for c in Report.State.choices if c[0] != Report.State.DUPLICATE],
    )
    note = forms.CharField(
        label=gettext_lazy("Public note"),
        required=False,
        max_length=STAFF_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Shown on each report's timeline and sent to its followers. Up to 2,000 characters."
        ),
    )
    duplicate_of = forms.IntegerField(
        label=gettext_lazy("Original report number"),
        required=False,
        min_value=1,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(
        self, *args, colleagues: Sequence = (), responses: Sequence[CannedResponse] = (), **kwargs
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "bulk-%s")
        super().__init__(*args, **kwargs)
        self.colleagues = {user.pk: user for user in colleagues}
        self.responses = list(responses)
        self.fields["assignee"].choices = [
            ("", _("Choose a colleague")),
            ("none", _("Nobody (unassign)")),
            *colleague_choices(colleagues),
        ]
        self.fields["canned"] = canned_field(self.responses)
        self.original: Report | None = None

    def clean(self) -> dict:
        cleaned = super().clean()
        action = cleaned.get("action")
        fill_note(cleaned)
        if action == "assign":
            choice = cleaned.get("assignee")
            if not choice:
                self.add_error("assignee", _("Choose who to assign them to."))
            elif choice != "none" and int(choice) not in self.colleagues:
                self.add_error("assignee", _("Choose a colleague from the list."))
        elif action == "state":
            if not cleaned.get("state") and not cleaned.get("note", "").strip():
                self.add_error("note", _("Write a public note, or choose a new status."))
        elif action == "duplicate":
            number = cleaned.get("duplicate_of")
            if number is None:
                if "duplicate_of" not in self.errors:
                    self.add_error("duplicate_of", _("Type the number of the original report."))
            else:
                self.original = Report.objects.visible().filter(pk=number).first()
                if self.original is None:
                    self.add_error(
                        "duplicate_of",
                        _("There is no public report #%(number)d.") % {"number": number},
                    )
        return cleaned

    @property
    def assignee_user(self):
        choice = self.cleaned_data.get("assignee")
        return None if choice in ("", "none", None) else self.colleagues[int(choice)]


class AssignForm(forms.Form):
    """The report page's "assign to a colleague" box (reports.actions.assign_report)."""

    assignee = forms.ChoiceField(label=gettext_lazy("Assigned to"), required=False)

    def __init__(self, *args, report: Report, colleagues: Sequence = (), **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "assign-%s")
        kwargs.setdefault("initial", {"assignee": str(report.assignee_id or "")})
        super().__init__(*args, **kwargs)
        self.report = report
        self.colleagues = {user.pk: user for user in colleagues}
        self.fields["assignee"].choices = [("", _("Nobody")), *colleague_choices(colleagues)]

    def clean_assignee(self):
        choice = self.cleaned_data["assignee"]
        if not choice:
            return None
        user = self.colleagues.get(int(choice))
        if user is None:
            raise ValidationError(_("Choose a colleague from the list."), code="invalid_choice")
        return user
