"""HTML forms of the follow-up pages: input shape only; feedback.services decides and writes."""

from django import forms
from django.utils import timezone

from feedback.models import FollowUp
from leads.criteria_forms import comma_list
from leads.handoff_forms import SeenStatusField

SELECT = {"class": "form-select form-select-sm"}
TEXT = {"class": "form-control form-control-sm"}
AMOUNT = {**TEXT, "inputmode": "decimal", "placeholder": "e.g. 12000", "autocomplete": "off"}
RADIO = {"class": "form-check-input"}
YES_NO = [("yes", "Yes"), ("no", "No")]
WHEN_FORMAT = "%Y-%m-%dT%H:%M"


def _yes(value: str) -> bool:
    return value == "yes"


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=FollowUp.Kind.choices, widget=forms.Select(attrs=SELECT))
    occurred_at = forms.DateTimeField(
        label="When",
        input_formats=[WHEN_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={**TEXT, "type": "datetime-local"}, format=WHEN_FORMAT),
    )
    outcome = forms.ChoiceField(label="Outcome", choices=FollowUp.Outcome.choices, widget=forms.Select(attrs=SELECT))
    notes = forms.CharField(
        label="Notes", required=False, max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 3})
    )
    objections = forms.MultipleChoiceField(label="Objections heard", required=False)
    pain_points = forms.CharField(
        label="New pain points heard",
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": "e.g. slow reporting, churn"}),
        help_text="Separated by commas.",
    )

    def __init__(self, *args, objections: list[tuple[int, str]], **kwargs):
        kwargs.setdefault("initial", {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)
        self.fields["objections"].choices = [(str(pk), name) for pk, name in objections]

    def _text_name(self, pk) -> str:
        return self.add_prefix(f"objection_text_{pk}")

    def objection_rows(self) -> list[dict]:
        """Each objection on the list with its checkbox and the rep's own words, as typed."""
        chosen = {str(v) for v in (self["objections"].value() or [])}
        return [
            {"id": pk, "name": name, "checked": pk in chosen, "text_name": self._text_name(pk),
             "text": self.data.get(self._text_name(pk), "") if self.is_bound else "",
             "box_id": f"{self.auto_id % self.add_prefix('objection')}_{pk}"}
            for pk, name in self.fields["objections"].choices
        ]  # fmt: skip

    def clean_pain_points(self) -> list[str]:
        return comma_list(self.cleaned_data["pain_points"])

    def service_values(self) -> dict:
        values = dict(self.cleaned_data)
        values["objections"] = [
            {"reason": int(pk), "text": self.data.get(self._text_name(pk), "").strip()[:2000]}
            for pk in values["objections"]
        ]
        return values


class QualityFeedbackForm(forms.Form):
    fit = forms.TypedChoiceField(
        label="How well does the lead fit?",
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect(attrs=RADIO),
        error_messages={"required": "Rate the fit from 1 (no fit) to 5 (perfect)."},
    )
    ready_to_talk = forms.TypedChoiceField(
        label="Ready to talk?", choices=YES_NO, coerce=_yes, widget=forms.RadioSelect(attrs=RADIO)
    )
    brief_useful = forms.TypedChoiceField(
        label="Was the brief useful?", choices=YES_NO, coerce=_yes, widget=forms.RadioSelect(attrs=RADIO)
    )
    wrong_criteria = forms.MultipleChoiceField(
        label="Which criteria were wrong for this lead?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label="Comment", required=False, max_length=2000, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )

    def __init__(self, *args, criteria: list[str], given=None, **kwargs):
        if given is not None:
            kwargs.setdefault("initial", {
                "fit": given.fit, "ready_to_talk": "yes" if given.ready_to_talk else "no",
                "brief_useful": "yes" if given.brief_useful else "no", "wrong_criteria": list(given.wrong_criteria),
                "comment": given.comment,
            })  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["wrong_criteria"].choices = [(rule, rule) for rule in criteria]


class OpportunityForm(forms.Form):
    value = forms.CharField(label="Value", required=False, max_length=30, widget=forms.TextInput(attrs=AMOUNT))
    seen_status = SeenStatusField()


class WonForm(forms.Form):
    value = forms.CharField(
        label="Value", required=False, max_length=30, widget=forms.TextInput(attrs=AMOUNT),
        help_text="Empty: the opportunity's value.",
    )  # fmt: skip
    helped_asset = forms.ChoiceField(label="Content that helped", required=False, widget=forms.Select(attrs=SELECT))
    helped_tactic = forms.CharField(
        label="Or what else helped", required=False, max_length=200,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": "e.g. a reference call"}),
    )  # fmt: skip
    seen_status = SeenStatusField()

    def __init__(self, *args, assets: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["helped_asset"].choices = [("", "None in particular"), *((str(pk), t) for pk, t in assets)]


class LostForm(forms.Form):
    loss_reason = forms.ChoiceField(
        label="Why was it lost?",
        widget=forms.Select(attrs=SELECT),
        error_messages={"required": "Say why it was lost."},
    )
    competitor = forms.CharField(
        label="Competitor", required=False, max_length=120, widget=forms.TextInput(attrs=TEXT),
        help_text="Who won it, if you know.",
    )  # fmt: skip
    seen_status = SeenStatusField()

    def __init__(self, *args, reasons: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loss_reason"].choices = [("", "Pick a reason"), *((str(pk), name) for pk, name in reasons)]


class ListEntryForm(forms.Form):
    name = forms.CharField(label="Name", max_length=80, widget=forms.TextInput(attrs={"class": "form-control"}))
