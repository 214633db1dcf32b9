"""Filters and the notes box of the meeting packs. A filter value the page cannot use is not an
error page: the report shows its default and a sentence saying what was ignored."""

from datetime import datetime

from django import forms

from feedback.periods import Month, Quarter
from feedback.reports.voice import PERIODS
from feedback.services.check_in import MAX_LENGTH

# htmx sends the filter form on change (hx-trigger), so the selects need no submit-on-change of their own.
SELECT = {"class": "form-select form-select-sm"}
DEFAULT_MONTHS = 6


class VoiceOfSalesFilter(forms.Form):
    months = forms.TypedChoiceField(
        label="Period", coerce=int, required=False, empty_value=DEFAULT_MONTHS,
        choices=[(n, f"Last {n} months") for n in PERIODS], widget=forms.Select(attrs=SELECT),
    )  # fmt: skip
    campaign = forms.TypedChoiceField(
        label="Campaign", coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT)
    )

    def __init__(self, data, *, campaigns: list[tuple[int, str]]):
        data = data.copy()
        # No period asked for is the default period, shown as chosen in the picker.
        data.setdefault("months", str(DEFAULT_MONTHS))
        super().__init__(data)
        self.fields["campaign"].choices = [("", "All campaigns"), *campaigns]

    def values(self) -> tuple[int, int | None, list[str]]:
        """(months, campaign id or None, sentences about what was ignored)."""
        self.is_valid()
        problems = []
        if "months" in self.errors:
            problems.append(f"The period can be the last {', '.join(map(str, PERIODS))} months; "
                            f"showing the last {DEFAULT_MONTHS} months.")  # fmt: skip
        if "campaign" in self.errors:
            problems.append("That campaign is not one of yours; showing all campaigns.")
        data = self.cleaned_data
        return data.get("months", DEFAULT_MONTHS), data.get("campaign"), problems


class CheckInNotesForm(forms.Form):
    month = forms.CharField(widget=forms.HiddenInput)
    # When the note the writer started from was saved: empty when there was none.
    seen = forms.CharField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(
        label="Decisions and notes", required=False, max_length=MAX_LENGTH,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 6,
                                     "placeholder": "What did the meeting decide? Who does what by when?"}),
    )  # fmt: skip

    def clean_month(self) -> Month:
        month = Month.parse(self.cleaned_data["month"])
        if month is None:
            raise forms.ValidationError("Which month are these notes for? Open the check-in again.")
        return month

    def clean_seen(self) -> datetime | None:
        raw = self.cleaned_data.get("seen") or ""
        if not raw:
            return None
        try:
            seen = datetime.fromisoformat(raw)
        except ValueError:
            raise forms.ValidationError("The page is out of date. Reload it and save again.") from None
        if seen.tzinfo is None:
            raise forms.ValidationError("The page is out of date. Reload it and save again.")
        return seen


def quarter_choices(current: Quarter, chosen: Quarter) -> list[tuple[str, str]]:
    """The last eight quarters up to the current one, and the chosen one if it is older or later."""
    quarters = {current.shifted(-n) for n in range(8)} | {chosen}
    return [(q.param, q.label) for q in sorted(quarters, reverse=True)]
