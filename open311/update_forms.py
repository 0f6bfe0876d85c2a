"""The servicerequestupdates extension (mySociety's): reading public updates in a
window, and an authority's back office posting one (its input and its checks)."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError

from open311.forms import (
    DESCRIPTION_MAX,
    MAX_IDS,
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    WINDOW,
    InputForm,
    W3CDateTimeField,
    comma_list,
    is_id,
    shift,
)
from reports.models import Report


class UpdateFilterForm(InputForm):
    """GET servicerequestupdates (the mySociety extension): public updates in a window.

    The window is on updated_datetime (when the update was made here): start_date and
    end_date, each defaulting to WINDOW from the other; neither means the most recent
    WINDOW. With service_request_id alone, that request's whole public history.
    """

    service_request_id = forms.CharField(required=False)
    start_date = W3CDateTimeField(required=False)
    end_date = W3CDateTimeField(required=False, end_of_day=True)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=10**9)
    extensions = forms.CharField(required=False)

    def __init__(self, data, *args, **kwargs):
        if len(data.getlist("service_request_id")) > 1:
            data = data.copy()
            data.setlist("service_request_id", [",".join(data.getlist("service_request_id"))])
        super().__init__(data, *args, **kwargs)

    def clean_service_request_id(self) -> list[int] | None:
        raw = comma_list(self.cleaned_data["service_request_id"])
        if not raw:
            return None
        if len(raw) > MAX_IDS:
            raise ValidationError(f"at most {MAX_IDS} ids at once.")
        return [int(v) for v in raw if is_id(v)]

    def clean_page_size(self) -> int:
        return min(self.cleaned_data["page_size"] or PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX)

    def clean_extensions(self) -> bool:
        return self.cleaned_data["extensions"].strip().lower() in ("true", "1")

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end:
            if start > end:
                self.add_error(None, "start_date is after end_date.")
            elif end - start > WINDOW + dt.timedelta(days=1):
                self.add_error(None, "start_date to end_date may not span more than 90 days.")
        return data

    def filter(self, queryset, now: dt.datetime):
        data = self.cleaned_data
        start, end = data["start_date"], data["end_date"]
        if data["service_request_id"] is not None:
            queryset = queryset.filter(report_id__in=data["service_request_id"])
            if not (start or end):
                return queryset
        if start and not end:
            end = shift(start, WINDOW)
        elif end and not start:
            start = shift(end, -WINDOW)
        elif not start:
            start = now - WINDOW
        queryset = queryset.filter(created_at__gte=start)
        return queryset.filter(created_at__lte=end) if end else queryset

    def page_bounds(self) -> tuple[int, int]:
        size = self.cleaned_data["page_size"]
        page = self.cleaned_data["page"] or 1
        return (page - 1) * size, page * size


# POST servicerequestupdates: the back office's status → Civic's state. OPEN and CLOSED
# are the spec's; the rest are the extended statuses FixMyStreet and its adapters send,
# and Civic's own state names. None: the report keeps its state if it is already open
# (OPEN) or closed (CLOSED), and moves to the second value otherwise.
UPDATE_STATUSES = {
    "open": None,
    "closed": None,
    "submitted": Report.State.SUBMITTED,
    "reopen": Report.State.SUBMITTED,
    "acknowledged": Report.State.ACKNOWLEDGED,
    "investigating": Report.State.ACKNOWLEDGED,
    "in_progress": Report.State.IN_PROGRESS,
    "action_scheduled": Report.State.IN_PROGRESS,
    "fixed": Report.State.FIXED,
    "closed_fixed": Report.State.FIXED,
    "no_further_action": Report.State.CLOSED,
    "not_councils_responsibility": Report.State.CLOSED,
    "internal_referral": Report.State.CLOSED,
}
_UPDATE_ID = re.compile(r"^[-a-zA-Z0-9_.:]{1,80}$")


class ServiceRequestUpdateForm(InputForm):
    """POST servicerequestupdates: one update from an authority's back office."""

    service_request_id = forms.CharField(max_length=19)
    update_id = forms.CharField(max_length=80)
    status = forms.CharField(max_length=40)
    # Civic's finer state, optional: must agree with status (open or closed).
    state = forms.ChoiceField(required=False, choices=Report.State.choices)
    updated_datetime = W3CDateTimeField(required=False)
    description = forms.CharField(required=False, max_length=DESCRIPTION_MAX, strip=False)
    media_url = forms.URLField(required=False, max_length=500, assume_scheme="https")
    # The officer's names and contact (FixMyStreet sends them): accepted, never published.
    first_name = forms.CharField(required=False, max_length=60)
    last_name = forms.CharField(required=False, max_length=60)
    email = forms.EmailField(required=False)

    def clean_service_request_id(self) -> int:
        value = self.cleaned_data["service_request_id"].strip()
        if not is_id(value):
            raise ValidationError(f"{value!r} is not a service_request_id of this server.")
        return int(value)

    def clean_update_id(self) -> str:
        value = self.cleaned_data["update_id"].strip()
        if not _UPDATE_ID.match(value):
            raise ValidationError("letters, digits and - _ . : only, at most 80 characters.")
        return value

    def clean_status(self) -> str:
        value = "_".join(self.cleaned_data["status"].strip().lower().replace("-", " ").split())
        if value not in UPDATE_STATUSES:
            raise ValidationError(
                f"{value!r} is not a status: use OPEN or CLOSED, or one of "
                + ", ".join(s.upper() for s in UPDATE_STATUSES if s not in ("open", "closed"))
                + "."
            )
        return value

    def clean_description(self) -> str:
        return self.cleaned_data["description"].strip()

    def clean(self):
        data = super().clean()
        status, state = data.get("status"), data.get("state")
        if status in ("open", "closed") and state:
            wanted = Report.OPEN_STATES if status == "open" else Report.CLOSED_STATES
            if state not in wanted or state == Report.State.DUPLICATE:
                self.add_error("state", f"{state} does not agree with status {status}.")
        elif state and status:
            self.add_error("state", "state goes with status OPEN or CLOSED only.")
        return data

    def new_state(self, report: Report) -> str:
        """The state `report` moves to (or keeps)."""
        data = self.cleaned_data
        if data.get("state"):
            return data["state"]
        status = data["status"]
        if status == "open":
            return report.state if report.is_open else Report.State.ACKNOWLEDGED
        if status == "closed":
            return report.state if not report.is_open else Report.State.CLOSED
        return UPDATE_STATUSES[status]
