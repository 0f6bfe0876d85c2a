from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civic.privacy import PersonalDataCheck
from discussions.models import Thread
from places import geo

COMMENT_MAX_LENGTH = 5000
TOPIC_BODY_MAX_LENGTH = 10000
TOPIC_TITLE_MAX_LENGTH = 140
REASON_MAX_LENGTH = 150


class CommentForm(PersonalDataCheck, forms.Form):
    privacy_fields = ("body",)

    body = forms.CharField(
        label=_("Your comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Plain text with a little Markdown: *emphasis*, **bold**, lists, > quotes, "
            "[links](https://…). Up to 5,000 characters."
        ),
        error_messages={
            "required": _("Please write something before posting."),
            "max_length": _(
                "Please keep your comment under %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )


class FlagForm(forms.Form):
    REASONS = [
        ("spam", _("Spam or advertising")),
        ("abuse", _("Abusive or harassing")),
        ("personal", _("Shares someone's personal information")),
        ("off-topic", _("Off-topic")),
        ("other", _("Something else")),
    ]
    reason = forms.ChoiceField(
        label=_("What is wrong with this comment?"),
        choices=REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose a reason.")},
    )
    details = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        error_messages={
            "max_length": _("Please keep the details under %(limit_value)d characters.")
        },
    )

    def reason_text(self) -> str:
        reason = self.cleaned_data["reason"]
        details = self.cleaned_data.get("details", "").strip()
        return f"{reason}: {details}" if details else reason


class ModerateForm(forms.Form):
    """Hide a comment with a public reason, or show it again."""

    REASONS = [
        ("off-topic", _("off-topic")),
        ("abusive", _("abusive")),
        ("spam", _("spam")),
        ("personal information", _("personal information")),
    ]
    action = forms.ChoiceField(choices=[("hide", _("Hide")), ("unhide", _("Show again"))])
    reason = forms.ChoiceField(
        label=_("Reason, shown publicly"),
        choices=[("", _("Choose…")), *REASONS, ("other", _("another reason (write it below)"))],
        required=False,
    )
    other_reason = forms.CharField(
        label=_("Other reason"), required=False, max_length=REASON_MAX_LENGTH
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "hide":
            reason = data.get("reason")
            other = (data.get("other_reason") or "").strip()
            if reason == "other" or (not reason and other):
                if not other:
                    self.add_error("other_reason", _("Please write the reason."))
                data["public_reason"] = other
            elif reason:
                data["public_reason"] = str(dict(self.REASONS)[reason])
            else:
                self.add_error("reason", _("Please give a reason: it is shown publicly."))
        return data


class ToggleForm(forms.Form):
    """Follow/unfollow, support/withdraw: the desired state, so a repeated POST is harmless."""

    on = forms.BooleanField(required=False)


class TopicForm(PersonalDataCheck, forms.Form):
    privacy_fields = ("title", "body")

    kind = forms.ChoiceField(
        label=_("What kind of topic?"),
        choices=[
            (Thread.Kind.IDEA, _("An idea to improve the area")),
            (Thread.Kind.QUESTION, _("A question")),
            (Thread.Kind.INFO, _("Local information")),
        ],
        widget=forms.RadioSelect,
        initial=Thread.Kind.IDEA,
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=TOPIC_TITLE_MAX_LENGTH,
        error_messages={
            "required": _("Please give your topic a title."),
            "max_length": _(
                "Please keep the title under %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )
    body = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=TOPIC_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Optional. The same Markdown as comments."),
        error_messages={
            "max_length": _(
                "Please keep the details under %(limit_value)d characters (it has %(show_value)d)."
            )
        },
    )
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    address = forms.CharField(
        label=_("Place name or address (optional)"), required=False, max_length=255
    )

    def clean(self):
        data = super().clean()
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            raise forms.ValidationError(
                _("Please give both a latitude and a longitude, or neither.")
            )
        if lat is not None and not geo.in_service_area(lat, lon):
            raise forms.ValidationError(_("That place is outside the area this site covers."))
        return data


class TopicFilterForm(forms.Form):
    SORTS = [
        ("activity", _("Recent activity")),
        ("new", _("Newest")),
        ("support", _("Most supported")),
    ]
    ORDERING = {
        "activity": ["-last_activity_at", "-id"],
        "new": ["-created_at", "-id"],
        "support": ["-support_count", "-last_activity_at", "-id"],
    }
    kind = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("All topics")),
            (Thread.Kind.IDEA, _("Ideas")),
            (Thread.Kind.QUESTION, _("Questions")),
            (Thread.Kind.INFO, _("Local information")),
        ],
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def ordering(self) -> list[str]:
        sort = self.cleaned_data.get("sort") if self.is_valid() else ""
        return self.ORDERING.get(sort or "activity")

    def kind_value(self) -> str:
        return (self.cleaned_data.get("kind") if self.is_valid() else "") or ""


class BboxForm(forms.Form):
    bbox = forms.CharField(required=False)

    def clean_bbox(self) -> tuple[float, float, float, float]:
        raw = self.cleaned_data.get("bbox")
        return geo.parse_bbox(raw) if raw else geo.service_area()
