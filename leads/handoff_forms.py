"""HTML forms of the hand-off pages: input shape only; the services decide who gets a lead and when."""

from django import forms
from django_countries import countries

from accounts.models import Membership
from accounts.roles import Role
from leads.criteria_forms import comma_list
from leads.models import HandOff, Lead

TEXT = {"class": "form-control"}
SMALL_NUMBER = {"class": "form-control", "min": "0", "inputmode": "numeric"}


def rep_label(member: Membership) -> str:
    """ "Rita Rep", "Sandra Manager (sales manager)", "Rafael Rep (away)", "Rita Rep (at capacity: 5/5)"."""
    label = member.name
    if member.role == Role.SALES_MANAGER:
        label += " (sales manager)"
    if member.is_away:
        return f"{label} (away)"
    open_leads = getattr(member, "open_leads", None)
    if member.max_open_leads is not None and open_leads is not None and open_leads >= member.max_open_leads:
        return f"{label} (at capacity: {open_leads}/{member.max_open_leads})"
    return label


class SeenStatusField(forms.ChoiceField):
    """The lead's status when the page was shown: a lead that moved on since is not changed blindly
    (the services' conditional update then finds nothing to change, and says who got there first)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, choices=Lead.Status.choices, **kwargs)


def moved_on(lead: Lead, form: forms.Form) -> str:
    """What to tell someone acting on a page that shows the lead as it was: who acted first wins, and
    the other hears so instead of an action on a lead that is no longer what they saw."""
    seen = form.cleaned_data.get("seen_status") if hasattr(form, "cleaned_data") else None
    if seen and seen != lead.status:
        return f"Someone else changed this lead first: it is now {lead.get_status_display().lower()}."
    return ""


class SeenForm(forms.Form):
    seen_status = SeenStatusField()


class HandOffForm(forms.Form):
    rep = forms.ChoiceField(label="Hand to", required=False, widget=forms.Select(attrs={"class": "form-select"}))
    note = forms.CharField(
        label="Note for the rep",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3, "placeholder": "What the rep should know before the call"}),
    )

    def __init__(self, *args, team: list[Membership], **kwargs):
        super().__init__(*args, **kwargs)
        self.team = {member.pk: member for member in team}
        self.fields["rep"].choices = [("", "Route automatically"), *((m.pk, rep_label(m)) for m in team)]

    def clean_rep(self) -> Membership | None:
        value = self.cleaned_data["rep"]
        return self.team[int(value)] if value else None


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why do you reject it?",
        choices=HandOff.RejectReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say why you reject the lead."},
    )
    note = forms.CharField(
        label="Note for marketing",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "form-control form-control-sm", "rows": 2}),
    )
    seen_status = SeenStatusField()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == HandOff.RejectReason.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", "Say what is wrong in a few words.")
        return cleaned


class InboxFilter(forms.Form):
    """A manager's inbox: the whole team, or one owner's leads."""

    owner = forms.ChoiceField(
        label="Owner", required=False, widget=forms.Select(attrs={"class": "form-select form-select-sm"})
    )

    def __init__(self, *args, team: list[Membership], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Whole team"), *((m.pk, m.name) for m in team)]

    def owner_id(self) -> int | None:
        if not self.is_valid() or not self.cleaned_data["owner"]:
            return None
        return int(self.cleaned_data["owner"])


class RoutingRuleForm(forms.Form):
    name = forms.CharField(max_length=80, widget=forms.TextInput(attrs=TEXT), help_text="A territory, e.g. “DACH”.")
    position = forms.IntegerField(
        min_value=0, max_value=32767, initial=0, widget=forms.NumberInput(attrs=SMALL_NUMBER),
        help_text="Rules are tried from the lowest position up; the first that matches routes the lead.",
    )  # fmt: skip
    countries = forms.MultipleChoiceField(
        required=False,
        choices=list(countries),
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": "6"}),
        help_text="None chosen: any country. Hold Ctrl (⌘ on a Mac) to pick several.",
    )
    industries = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": "e.g. Software, Manufacturing"}),
        help_text="Separated by commas; empty: any industry.",
    )
    min_employees = forms.IntegerField(
        label="Employees from", required=False, min_value=0, widget=forms.NumberInput(attrs=SMALL_NUMBER)
    )
    max_employees = forms.IntegerField(
        label="Employees up to", required=False, min_value=0, widget=forms.NumberInput(attrs=SMALL_NUMBER)
    )
    reps = forms.MultipleChoiceField(
        label="Reps of this territory",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leads go round-robin among them, skipping reps who are away or at capacity.",
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    def __init__(self, *args, team: list[Membership], **kwargs):
        super().__init__(*args, **kwargs)
        # Routing picks among sales reps only (a manager is handed leads by name), so only reps are offered.
        self.fields["reps"].choices = [(m.pk, rep_label(m)) for m in team if m.role == Role.SALES_REP]

    @classmethod
    def for_rule(cls, rule, team: list[Membership], data=None) -> "RoutingRuleForm":
        initial = {
            "name": rule.name, "position": rule.position, "countries": list(rule.countries),
            "industries": ", ".join(rule.industries), "min_employees": rule.min_employees,
            "max_employees": rule.max_employees, "is_active": rule.is_active,
            "reps": [str(link.member_id) for link in rule.reps.all()],
        }  # fmt: skip
        return cls(data, team=team, initial=initial)

    def clean_industries(self) -> list[str]:
        return comma_list(self.cleaned_data["industries"])

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_employees"), cleaned.get("max_employees")
        if low is not None and high is not None and low > high:
            self.add_error("max_employees", "The range runs from low to high.")
        return cleaned

    def service_values(self) -> dict:
        values = dict(self.cleaned_data)
        values["rep_ids"] = [int(pk) for pk in values.pop("reps")]
        return values


class AvailabilityForm(forms.Form):
    is_away = forms.BooleanField(
        label="Away", required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input", "role": "switch"})
    )
    max_open_leads = forms.IntegerField(
        label="Max open leads",
        required=False,
        min_value=1,
        max_value=10_000,
        widget=forms.NumberInput(
            attrs={
                "class": "form-control form-control-sm",
                "min": "1",
                "inputmode": "numeric",
                "placeholder": "No limit",
            }
        ),
    )
