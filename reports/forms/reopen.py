"""The answers that close the loop: "Has this been fixed?" and "Still broken"."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from reports.forms.fields import PhotosField
from reports.models import Questionnaire


class QuestionnaireForm(forms.Form):
    answer = forms.ChoiceField(
        label=gettext_lazy("Has it been fixed?"),
        choices=Questionnaire.Answer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose “Yes, fixed” or “No, still there”.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Anything to add"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown publicly on the report's progress."),
    )


class StillBrokenForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What is still wrong"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = PhotosField(label=gettext_lazy("A photo of how it is now"))
