"""The dashboard's filters, shared by the page, its CSV files and the metrics API so all three read a
request alike: a period (a preset or two dates), campaign, source, rep and team.

The page shows what it could not use and carries on with defaults; the API answers 400 with the
field errors. Rep and team are offered only to roles that may narrow figures to them (see
feedback.dashboards); the figures apply the role rule again whatever the request says.
"""

from datetime import date, timedelta

from django import forms

from accounts.models import Membership
from feedback.dashboards import Filters, may_filter_by_rep, month_before
from feedback.dashboards.choices import filter_choices, source_choices
from smarketing.filters import CopiedPerView

PERIODS = [
    ("last_90_days", "Last 90 days"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("this_quarter", "This quarter"),
    ("custom", "Custom dates"),
]
DEFAULT_PERIOD = "last_90_days"
# Longer periods read too many snapshot rows for a page, and nobody plans from them.
MAX_DAYS = 3 * 366
DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d")
SELECT = {"class": "form-select form-select-sm"}


def preset_dates(period: str, today: date) -> tuple[date, date]:
    """The days a named period covers, up to today."""
    if period == "this_month":
        return today.replace(day=1), today
    if period == "last_month":
        start = month_before(today)
        return start, today.replace(day=1) - timedelta(days=1)
    if period == "this_quarter":
        return today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1), today
    return today - timedelta(days=89), today


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, required=False, widget=forms.Select(attrs=SELECT))
    start = forms.DateField(required=False, widget=DATE_INPUT)
    end = forms.DateField(required=False, widget=DATE_INPUT)
    campaign = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT))
    source = forms.ChoiceField(required=False, widget=forms.Select(attrs=SELECT))
    rep = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT))
    team = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT))

    def __init__(self, data, *, member: Membership, today: date):
        super().__init__(data)
        self.today = today
        offered = filter_choices(member)
        self.fields["campaign"].choices = [("", "All campaigns"), *offered["campaign"]]
        sources = source_choices(member)
        asked = str((data or {}).get("source") or "")[:80]
        if asked and asked not in sources and asked.isprintable():
            # A source the cached list does not know yet still filters (to nothing, if it is unknown).
            sources = [*sources, asked]
        self.fields["source"].choices = [("", "All sources"), *((s, s) for s in sources)]
        if may_filter_by_rep(member):
            self.fields["rep"].choices = [("", "All reps"), *offered["rep"]]
            self.fields["team"].choices = [("", "All teams"), *offered["team"]]
        else:
            del self.fields["rep"], self.fields["team"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if data.get("period") in ("", None) and (start or end):
            data["period"] = "custom"
        if data.get("period") == "custom":
            if start and end and end < start:
                self.add_error("end", "The end date is before the start date.")
            elif (end or self.today) - (start or (end or self.today) - timedelta(days=89)) > timedelta(days=MAX_DAYS):
                self.add_error("start", "Pick a period of at most three years.")
        return data

    def filters(self) -> Filters:
        """The filters to show: what was valid in the request, defaults for the rest."""
        self.is_valid()
        data = self.cleaned_data
        period = data.get("period") or DEFAULT_PERIOD
        if period == "custom" and not self.has_error("start") and not self.has_error("end"):
            end = data.get("end") or self.today
            start = data.get("start") or end - timedelta(days=89)
        else:
            start, end = preset_dates(DEFAULT_PERIOD if period == "custom" else period, self.today)
        return Filters(
            start=start,
            end=end,
            campaign=None if self.has_error("campaign") else data.get("campaign"),
            source="" if self.has_error("source") else (data.get("source") or ""),
            rep=None if self.has_error("rep") else data.get("rep"),
            team=None if self.has_error("team") else data.get("team"),
        )

    @property
    def applied_period(self) -> str:
        """The period as applied: custom dates that were refused fall back to the default period."""
        period = self.cleaned_data.get("period") or DEFAULT_PERIOD
        if period == "custom" and (self.has_error("start") or self.has_error("end")):
            return DEFAULT_PERIOD
        return period

    def problems(self) -> list[str]:
        """What could not be used, in words, for the page to show above the figures."""
        labels = {"period": "Period", "start": "Start date", "end": "End date", "campaign": "Campaign",
                  "source": "Source", "rep": "Rep", "team": "Team"}  # fmt: skip
        return [f"{labels.get(name, name)}: {' '.join(errors)}" for name, errors in self.errors.items()]


DashboardFilterForm.base_fields = CopiedPerView(DashboardFilterForm.base_fields)
