"""Canned responses: an authority's ready-made public notes, offered on the staff forms.

With JavaScript, a list of buttons inserts a response into the note (static/js/
canned-responses.js); without it, a select whose choice becomes the note when the note
is left empty (`fill_note`, in the form's clean)."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from triage.models import CannedResponse


class CannedChoiceField(forms.ChoiceField):
    """A choice among responses already loaded: no query to render or to clean."""

    def __init__(self, responses: Sequence[CannedResponse], **kwargs) -> None:
        self.responses = {str(r.pk): r for r in responses}
        super().__init__(
            choices=[("", gettext_lazy("(none: I write my own)"))]
            + [(str(r.pk), r.title) for r in responses],
            **kwargs,
        )

    def clean(self, value) -> CannedResponse | None:
        value = super().clean(value)
        if not value:
            return None
        if value not in self.responses:
            raise ValidationError(_("Choose one of the ready-made answers."), code="invalid")
        return self.responses[value]


def canned_field(responses: Sequence[CannedResponse]) -> CannedChoiceField:
    return CannedChoiceField(
        responses,
        label=gettext_lazy("Ready-made answer"),
        required=False,
        help_text=gettext_lazy("Becomes the public note when you leave the note empty."),
    )


def fill_note(cleaned: dict) -> None:
    """An empty note takes the chosen ready-made answer's text."""
    chosen = cleaned.get("canned")
    if chosen and not cleaned.get("note", "").strip():
        cleaned["note"] = chosen.text
