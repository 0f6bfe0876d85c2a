"""Form instances that share their class's fields (civic/form_fields.py)."""

from __future__ import annotations

import pytest
from django import forms

from civic.form_fields import shares_fields
from reports.forms.report import ReportForm


@shares_fields(copied=("choice",))
class _Shared(forms.Form):
    text = forms.CharField()
    choice = forms.ChoiceField(choices=[("a", "A")])


class _Subclass(_Shared):
    more = forms.CharField(required=False)


def test_instances_share_fields_but_the_copied_ones_and_keep_their_own_field_lists():
    first, second = _Shared(), _Shared()
    assert first.fields["text"] is second.fields["text"] is _Shared.base_fields["text"]
    assert first.fields["choice"] is not second.fields["choice"]
    first.fields["choice"].choices = [("b", "B")]
    assert list(second.fields["choice"].choices) == [("a", "A")]
    del first.fields["text"]
    first.fields["extra"] = forms.CharField()
    assert "text" in second.fields and "extra" not in second.fields
    assert "text" in _Shared.base_fields and "extra" not in _Shared.base_fields


def test_a_subclass_copies_every_field_as_django_does_and_a_bad_name_is_refused():
    first, second = _Subclass(), _Subclass()
    assert first.fields["text"] is not second.fields["text"]
    with pytest.raises(ValueError, match="no field nothing"):
        shares_fields(copied=("nothing",))(type("Bad", (forms.Form,), {}))


def test_a_shared_form_still_validates_each_post_on_its_own():
    good, bad = _Shared({"text": "x", "choice": "a"}), _Shared({"text": "", "choice": "z"})
    assert good.is_valid() and good.cleaned_data == {"text": "x", "choice": "a"}
    assert not bad.is_valid() and set(bad.errors) == {"text", "choice"}


@pytest.mark.django_db
def test_report_forms_share_all_but_their_category_list(service):
    first, second = ReportForm(guest=True), ReportForm(guest=False)
    assert first.fields["title"] is second.fields["title"]
    assert first.fields["address"] is second.fields["address"]
    assert first.fields["service"] is not second.fields["service"]
    assert "email" in first.fields and "email" not in second.fields
    assert "email" in ReportForm.base_fields  # a guest's fields, taken out of one instance only
    # What the page shows of the shared fields, set once on the class.
    html = str(first["address"]) + str(first["service"]) + str(first["photos"])
    for attribute in (
        'hx-get="/reports/new/geocode/"',
        'hx-target="#service-fields"',
        'accept="image/jpeg',
    ):
        assert attribute in html, attribute
    assert "Find this address" in str(first["address"].help_text)
