"""The person's own forms: the display name asked at sign-up, the account page, and
deleting the account."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from civic.models import Profile


def clean_display_name(value: str, *, user_id: int | None = None) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise forms.ValidationError(_("Choose the name others will see beside what you write."))
    if "@" in name:
        raise forms.ValidationError(
            _("A display name cannot be an email address: it is shown to everyone.")
        )
    if len(name) < 2:
        raise forms.ValidationError(_("Use at least two characters."))
    if Profile.name_taken(name, exclude_user_id=user_id):
        raise forms.ValidationError(
            _("Someone already uses the name “%(name)s”. Add an initial or a place to it."),
            params={"name": name},
        )
    return name


def display_name_field(**kw) -> forms.CharField:
    return forms.CharField(
        label=_("Display name"),
        max_length=60,
        help_text=_(
            "Shown beside your comments and, if you choose, your reports. Not your email address."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
        **kw,
    )


class SignupForm(forms.Form):
    """Extra sign-up fields (allauth's ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = display_name_field()

    field_order = ["display_name"]

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data.get("display_name", ""))

    def signup(self, request, user) -> None:
        # The language the person signed up in is the one their emails are written in
        # (until they pick another with the footer's switcher).
        language = translation.get_language()
        Profile.objects.update_or_create(
            user=user,
            defaults={
                "display_name": self.cleaned_data["display_name"],
                "language": language if language in dict(settings.LANGUAGES) else "",
            },
        )


class ProfileForm(forms.ModelForm):
    display_name = display_name_field()

    class Meta:
        model = Profile
        fields = [
            "display_name",
            "show_name_on_reports",
            "email_comments",
            "email_status",
            "email_alerts",
        ]
        widgets = {
            "email_comments": forms.RadioSelect,
            "email_status": forms.RadioSelect,
            "email_alerts": forms.RadioSelect,
        }

    def clean_display_name(self) -> str:
        return clean_display_name(
            self.cleaned_data.get("display_name", ""), user_id=self.instance.user_id
        )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand: my account goes, my reports stay without my name."),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


class LanguageForm(forms.Form):
    """The footer's switcher: only the languages the site ships (Django's own set_language
    would take any language Django itself is translated into)."""

    language = forms.ChoiceField(choices=settings.LANGUAGES)
