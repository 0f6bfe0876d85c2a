"""Staff blur part of a report's photo from the report page (a face, a number plate)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from reports.access import report_for_user
from reports.actions import NotAllowed
from reports.actions.photos import blur_photo
from reports.models import Photo


def _percent(label):
    return forms.FloatField(label=label, min_value=0, max_value=100)


class BlurForm(forms.Form):
    """The region, in percent of the photo's width and height from its top left corner."""

    left = _percent(gettext_lazy("From the left edge (%)"))
    top = _percent(gettext_lazy("From the top edge (%)"))
    width = _percent(gettext_lazy("Width (%)"))
    height = _percent(gettext_lazy("Height (%)"))
    reason = forms.CharField(
        label=gettext_lazy("Why (for the log)"), max_length=200, required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        if data["width"] <= 0 or data["height"] <= 0:
            raise forms.ValidationError(_("Give the region a width and a height."))
        if data["left"] + data["width"] > 100 or data["top"] + data["height"] > 100:
            raise forms.ValidationError(_("The region to blur must lie within the photo."))
        return data

    def box(self) -> tuple[float, float, float, float]:
        d = self.cleaned_data
        return (
            d["left"] / 100,
            d["top"] / 100,
            (d["left"] + d["width"]) / 100,
            (d["top"] + d["height"]) / 100,
        )


@login_required
@require_http_methods(["GET", "POST"])
def blur(request, pk: int, photo_id: int):
    report, _access = report_for_user(request.user, pk, need="moderate")
    photo = get_object_or_404(Photo, pk=photo_id, report=report)
    form = BlurForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            blur_photo(photo, by=request.user, box=form.box(), reason=form.cleaned_data["reason"])
        except NotAllowed as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The photo is blurred there; the original is deleted."))
            return redirect(report)
    return render(
        request, "triage/blur_photo.html", {"report": report, "photo": photo, "form": form}
    )
