"""The reporter's own correction of their report's text."""

from __future__ import annotations

from django import forms

from civic.privacy import PersonalDataCheck
from reports.forms.report import ReportForm


class OwnReportForm(PersonalDataCheck, forms.Form):
    # The same fields, labels and limits as when the report was made.
    title = ReportForm.base_fields["title"]
    description = ReportForm.base_fields["description"]
    privacy_fields = ("title", "description")

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
