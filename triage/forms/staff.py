"""Staff answering on the report page."""

from __future__ import annotations

from datetime import date, datetime, time

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import actions
from reports.models import Authority, Report, ReportUpdate, Service
from triage.forms.canned import canned_field, fill_note
from triage.models import CannedResponse

STAFF_NOTE_MAX_LENGTH = 2000
# "Expected by Friday" means by the end of Friday, in the site's time zone.
EXPECTED_TIME_OF_DAY = time(23, 59)


class StaffUpdateForm(forms.Form):
    """A staff member's public answer on the report page: a new status, a note, or both,
    and the day the fix is expected by.

    `save(by=…)` applies it through `reports.actions` (change_state, mark_duplicate),
    which write the official timeline entry, keep the discussion in step, log it and
    tell the followers.
    """

    state = forms.ChoiceField(label=gettext_lazy("Status"), choices=Report.State.choices)
    duplicate_of = forms.CharField(
        label=gettext_lazy("Original report number"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=gettext_lazy(
            "Only for “Duplicate”: the number of the report this one repeats, such as 123."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Public note"),
        required=False,
        max_length=STAFF_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Shown on this page and sent to everyone who follows the report. Needed when the "
            "status stays the same. Up to 2,000 characters."
        ),
    )
    expected_at = forms.DateField(
        label=gettext_lazy("Expected by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("The day you expect it to be fixed. Shown with the report."),
    )

    def __init__(self, *args, report: Report, canned_responses=None, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        # The report page has other forms: keep this one's ids apart.
        kwargs.setdefault("auto_id", "staff-%s")
        self.report = report
        self.current_expected: date | None = (
            timezone.localdate(report.expected_at) if report.expected_at else None
        )
        kwargs["initial"] = {
            "state": report.state,
            "duplicate_of": report.duplicate_of_id or "",
            "expected_at": self.current_expected,
            **kwargs.get("initial", {}),
        }
        super().__init__(*args, **kwargs)
        self.fields["state"].help_text = _("Now “%(state)s”. Keep it to add a note only.") % {
            "state": report.get_state_display()
        }
        # The authority's ready-made answers (triage/forms/canned.py).
        if canned_responses is None:
            canned_responses = (
                list(CannedResponse.objects.filter(authority_id=report.authority_id))
                if report.authority_id
                else []
            )
        self.canned_responses = list(canned_responses)
        if self.canned_responses:
            self.fields["canned"] = canned_field(self.canned_responses)
            self.order_fields(["state", "duplicate_of", "canned", "note", "expected_at"])
        self.original: Report | None = None

    def clean_duplicate_of(self) -> int | None:
        raw = self.cleaned_data["duplicate_of"].strip().removeprefix("#").strip()
        if not raw:
            return None
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if number < 1:
            raise ValidationError(
                _("Type the number of the original report, such as 123."), code="invalid"
            )
        return number

    def clean_expected_at(self) -> date | None:
        day = self.cleaned_data["expected_at"]
        # A date set earlier may have passed; only a newly chosen one must be ahead.
        if day is not None and day != self.current_expected and day < timezone.localdate():
            raise ValidationError(
                _("The expected date cannot be in the past."), code="expected_in_past"
            )
        return day

    def clean(self) -> dict:
        cleaned = super().clean()
        fill_note(cleaned)
        state = cleaned.get("state")
        if state == Report.State.DUPLICATE and "duplicate_of" in cleaned:
            self._clean_original(cleaned["duplicate_of"])
        if state == self.report.state and "note" in cleaned and not cleaned["note"]:
            self.add_error(
                "note",
                ValidationError(
                    _("Write a public note, or choose a new status."), code="note_required"
                ),
            )
        return cleaned

    def _clean_original(self, number: int | None) -> None:
        if number is None:
            message = _("Type the number of the report this one repeats.")
        elif number == self.report.pk:
            message = _("A report cannot be a duplicate of itself. Type the original's number.")
        else:
            self.original = Report.objects.visible().filter(pk=number).first()
            if self.original is not None and self.original.duplicate_of_id != self.report.pk:
                return
            if self.original is not None:
                self.add_error(
                    "duplicate_of",
                    ValidationError(
                        _("Report #%(number)d is itself a duplicate of this one.")
                        % {"number": number},
                        code="invalid_original",
                    ),
                )
                return
            message = _(
                "There is no public report #%(number)d. Check the number on the original "
                "report's page."
            ) % {"number": number}
        self.add_error("duplicate_of", ValidationError(message, code="invalid_original"))

    def save(self, *, by) -> ReportUpdate:
        """Apply the answer; returns the new timeline entry."""
        report, data = self.report, self.cleaned_data
        expected_at = actions.KEEP
        if data["expected_at"] != self.current_expected:
            expected_at = (
                timezone.make_aware(datetime.combine(data["expected_at"], EXPECTED_TIME_OF_DAY))
                if data["expected_at"]
                else None
            )
        if data["state"] == Report.State.DUPLICATE and (
            report.state != Report.State.DUPLICATE or report.duplicate_of_id != self.original.pk
        ):
            return actions.mark_duplicate(
                report, self.original, by=by, note=data["note"], expected_at=expected_at
            )
        return actions.change_state(
            report, data["state"], by=by, note=data["note"], expected_at=expected_at
        )


class ReassignForm(forms.Form):
    """ "Not ours": pass the report to another authority, or file it under another
    category (routing then picks who takes it). Applied by `reports.actions.reassign_report`."""

    authority = forms.ModelChoiceField(
        label=gettext_lazy("Pass to"),
        queryset=Authority.objects.none(),
        required=False,
        empty_label=gettext_lazy("(whoever takes the category here)"),
    )
    service = forms.ModelChoiceField(
        label=gettext_lazy("Category"), queryset=Service.objects.none()
    )
    note = forms.CharField(
        label=gettext_lazy("Public note"),
        required=False,
        max_length=STAFF_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Shown on the timeline after “Passed to …”."),
    )

    def __init__(self, *args, report: Report, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "reassign-%s")
        kwargs.setdefault("initial", {"service": report.service_id})
        super().__init__(*args, **kwargs)
        self.report = report
        self.fields["authority"].queryset = Authority.objects.filter(is_active=True).exclude(
            pk=report.authority_id
        )
        self.fields["service"].queryset = Service.objects.filter(is_active=True) | (
            Service.objects.filter(pk=report.service_id)
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        if (
            "service" in cleaned
            and cleaned.get("authority") is None
            and cleaned["service"] == self.report.service
        ):
            self.add_error(
                "authority", _("Choose the authority to pass it to, or another category.")
            )
        return cleaned

    def save(self, *, by) -> ReportUpdate | None:
        """Apply it; a refusal (nobody else takes that category here) becomes a form error."""
        data = self.cleaned_data
        try:
            return actions.reassign_report(
                self.report,
                by=by,
                service=data["service"],
                authority=data["authority"],
                note=data["note"],
            )
        except actions.NotAllowed as refusal:
            self.add_error(None, refusal.message)
            return None


class VisibilityForm(forms.Form):
    """Hide the report (and its discussion) from the public, or show it again, saying why."""

    reason = forms.CharField(
        label=gettext_lazy("Why"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Kept in the moderation log; not shown publicly."),
        error_messages={"required": gettext_lazy("Say why: it is kept in the moderation log.")},
    )

    def __init__(self, *args, report: Report, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "visibility-%s")
        super().__init__(*args, **kwargs)
        self.report = report

    def save(self, *, by) -> Report:
        if self.report.is_hidden:
            return actions.unhide_report(self.report, by=by, reason=self.cleaned_data["reason"])
        return actions.hide_report(self.report, by=by, reason=self.cleaned_data["reason"])
