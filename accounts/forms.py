import zoneinfo
from functools import cache

import holidays
from django import forms
from django.contrib.auth import password_validation
from django_countries import countries

from accounts.models import Membership, User, normalize_email
from accounts.roles import Role, Side
from accounts.selectors import token_members_for, user_by_email

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [
        (name, name.replace("_", " "))
        for name in sorted(zoneinfo.available_timezones())
        if "/" in name or name == "UTC"
    ]


@cache
def holiday_country_choices() -> list[tuple[str, str]]:
    codes = [code for code in holidays.list_supported_countries() if len(code) == 2 and code in countries]
    return [("", "No public holidays"), *sorted(((c, countries.name(c)) for c in codes), key=lambda c: c[1])]


class LoginForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))
    password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def clean_email(self) -> str:
        # One spelling per address, so "Bob@x" and "bob@x" count against the same lockout.
        return normalize_email(self.cleaned_data["email"])


def validated_password(form: forms.Form, field: str, user: User | None = None) -> str:
    password = form.cleaned_data.get(field, "")
    try:
        password_validation.validate_password(password, user)
    except forms.ValidationError as error:
        form.add_error(field, error)
    return password


class SignUpForm(forms.Form):
    org_name = forms.CharField(label="Organization name", max_length=120)
    full_name = forms.CharField(label="Your name", max_length=150)
    email = forms.EmailField(label="Work e-mail", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    side = forms.ChoiceField(
        label="You work in", choices=Side.choices, widget=forms.RadioSelect, initial=Side.MARKETING
    )
    password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if user_by_email(email) is not None:
            raise forms.ValidationError("This address already has an account: sign in instead.")
        return email

    def clean(self):
        cleaned = super().clean()
        if "password" in cleaned:
            probe = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            validated_password(self, "password", probe)
        return cleaned


class SetPasswordForm(forms.Form):
    """Invitation acceptance and password reset: one new password, checked by the validators."""

    full_name = forms.CharField(label="Your name", max_length=150)
    password = forms.CharField(
        label="New password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, user: User, ask_name: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not ask_name:
            del self.fields["full_name"]
        else:
            self.fields["full_name"].initial = user.full_name

    def clean(self):
        cleaned = super().clean()
        if "password" in cleaned:
            validated_password(self, "password", self.user)
        return cleaned


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.")
        return password

    def clean(self):
        cleaned = super().clean()
        if "new_password" in cleaned:
            validated_password(self, "new_password", self.user)
        return cleaned


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))


class ProfileForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150)


class InviteMemberForm(forms.Form):
    full_name = forms.CharField(label="Name", max_length=150)
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MARKETER)
    side = forms.ChoiceField(label="Side (for admins)", choices=Side.choices, initial=Side.MARKETING, required=False)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    side = forms.ChoiceField(choices=Side.choices, required=False)


class IntegrationForm(forms.Form):
    name = forms.CharField(
        label="Integration name", max_length=150, help_text="For example “HubSpot sync” or “Website forms”."
    )
    role = forms.ChoiceField(
        choices=[(r.value, r.label) for r in Role if r != Role.ADMIN],
        initial=Role.MARKETER,
        help_text="The integration acts with this role's rights.",
    )


class OrganizationSettingsForm(forms.Form):
    name = forms.CharField(label="Organization name", max_length=120)
    time_zone = forms.ChoiceField(choices=time_zone_choices)
    business_days = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple, label="Business days"
    )
    business_day_start = forms.TimeField(label="Business day starts", widget=forms.TimeInput(attrs={"type": "time"}))
    business_day_end = forms.TimeField(label="Business day ends", widget=forms.TimeInput(attrs={"type": "time"}))
    holiday_country = forms.ChoiceField(label="Public holidays of", choices=holiday_country_choices, required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("business_day_start"), cleaned.get("business_day_end")
        if start and end and start >= end:
            self.add_error("business_day_end", "The business day must end after it starts.")
        if "business_days" in cleaned:
            cleaned["business_days"] = sorted(cleaned["business_days"])
        return cleaned


class HolidayForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(max_length=120)


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="Say where it is used, e.g. “HubSpot workflow”.")
    member = forms.ModelChoiceField(queryset=Membership.objects.none(), empty_label=None, label="Acts as")

    def __init__(self, *args, by: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = token_members_for(by)
        self.fields["member"].initial = by.pk
        self.fields["member"].label_from_instance = lambda m: f"{m.name} ({m.get_role_display()})"
