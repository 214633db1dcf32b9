"""HTML forms of the agreement pages: input shape only; the agreement services decide.

The editor shows each objective as form controls: what is measured (grouped by the side that owes
it), the target, the period, and only the terms the metric needs (N business hours; K follow-ups
within D days). Rows carry a key of their own ("objective-3-metric"), listed in order by hidden
`objective` inputs, so adding or removing a row works the same with htmx or as a plain form post.
"""

from decimal import Decimal

from django import forms

from sla.models import Agreement, Objective
from sla.objectives import CLOCK_METRICS, MARKETING_METRICS, SALES_METRICS, side_of, statement
from sla.services.agreements import ObjectiveProblem, clean_objective
from smarketing.errors import DomainError

MAX_OBJECTIVES = 20
LABELS = dict(Objective.Metric.choices)
METRIC_CHOICES = [
    ("Marketing promises", [(metric, LABELS[metric]) for metric in MARKETING_METRICS]),
    ("Sales promises", [(metric, LABELS[metric]) for metric in SALES_METRICS]),
]
# The terms each metric needs beside its target.
TERMS_OF = {"response_time": ("hours",), "first_touch_time": ("hours",), "follow_ups": ("count", "days")}
DEFAULTS = {"hours": 4, "count": 3, "days": 10}


def _number(**attrs) -> forms.NumberInput:
    return forms.NumberInput(attrs={"class": "form-control form-control-sm", "inputmode": "numeric", **attrs})


def plain(value) -> str:
    """Decimal("90.00") → "90", Decimal("92.50") → "92.5": how a stored target goes back into an input."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    return str(number.quantize(Decimal(1))) if number == number.to_integral() else str(number.normalize())


class AgreementForm(forms.Form):
    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"class": "form-control"}))
    summary = forms.CharField(
        required=False,
        help_text="What changes and why, in a few sentences: both managers read this first.",
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
    at_risk_percent = forms.IntegerField(
        label="At risk after",
        min_value=5,
        max_value=95,
        help_text="Percent of a clock's time used: from then on the lead is flagged, and its owner told.",
        widget=forms.NumberInput(attrs={"class": "form-control", "min": "5", "max": "95"}),
    )

    @classmethod
    def for_agreement(cls, agreement: Agreement, data=None) -> "AgreementForm":
        initial = {
            "name": agreement.name,
            "summary": agreement.summary,
            "at_risk_percent": round(agreement.at_risk_share * 100),
        }
        return cls(data, initial=initial)


class ObjectiveForm(forms.Form):
    """One SMART objective; its side follows from what is measured."""

    metric = forms.ChoiceField(
        label="What is measured", choices=METRIC_CHOICES, widget=forms.Select(attrs={"class": "form-select"})
    )
    target = forms.DecimalField(
        label="Target",
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        error_messages={"min_value": "The target is above 0.", "invalid": "The target is a number."},
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "any", "min": "0"}),
    )
    period = forms.ChoiceField(
        label="Measured each",
        choices=Objective.Period.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    hours = forms.IntegerField(label="Within business hours", required=False, min_value=1, max_value=720,
                               widget=_number(min="1", max="720"))  # fmt: skip
    count = forms.IntegerField(label="Follow-ups", required=False, min_value=1, max_value=50,
                               widget=_number(min="1", max="50"))  # fmt: skip
    days = forms.IntegerField(label="Within days", required=False, min_value=1, max_value=365,
                              widget=_number(min="1", max="365"))  # fmt: skip
    statement = forms.CharField(
        label="In your own words",
        required=False,
        max_length=2000,
        help_text="Leave empty to use the statement written from the terms.",
        widget=forms.Textarea(attrs={"class": "form-control form-control-sm", "rows": 2}),
    )

    def __init__(self, *args, key: int, **kwargs):
        super().__init__(*args, prefix=f"objective-{key}", **kwargs)
        self.key = key

    @classmethod
    def initial_for(cls, objective: dict) -> dict:
        """A stored objective as the form shows it: its statement only if someone wrote their own."""
        terms = {name: objective.get(name) for name in ("metric", "target", "period", "hours", "count", "days")}
        written = statement(**terms)
        own = objective.get("statement") or ""
        return {**terms, "target": plain(terms["target"]), "statement": "" if own == written else own}

    @property
    def metric_value(self) -> str:
        value = self["metric"].value()
        return value if value in LABELS else MARKETING_METRICS[0]

    @property
    def side(self) -> str:
        return side_of(self.metric_value)

    @property
    def terms(self) -> list[forms.BoundField]:
        """The inputs this metric needs beside the target: none, N hours, or K follow-ups in D days."""
        return [self[name] for name in TERMS_OF.get(self.metric_value, ())]

    @property
    def unit(self) -> str:
        return "qualified leads" if self.metric_value == "mqls_delivered" else "% of them"

    @property
    def runs_clocks(self) -> bool:
        return self.metric_value in CLOCK_METRICS

    def raw(self) -> dict:
        """The objective as the agreement services take it (once is_valid)."""
        data = self.cleaned_data
        needed = TERMS_OF.get(data["metric"], ())
        return {
            "metric": data["metric"], "target": data["target"], "period": data["period"],
            **{name: data[name] if name in needed else None for name in ("hours", "count", "days")},
            "statement": data["statement"].strip(),
        }  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # The service's own check, so its refusal shows beside the term it is about.
        try:
            self.preview = clean_objective(self.raw())["statement"]
        except ObjectiveProblem as problem:
            self.add_error(problem.term if problem.term in self.fields else None, str(problem))
        return cleaned

    def statement_preview(self) -> str:
        """The promise as it will read: the own words, or the statement written from the terms."""
        if self.is_bound and self.is_valid():
            return self.preview
        if not self.is_bound:
            try:
                return clean_objective(self.initial)["statement"]
            except (ObjectiveProblem, TypeError):
                return ""
        return ""


class AgreementEditor:
    """The editor's forms together: the agreement's name, summary and at-risk share, one form per objective."""

    def __init__(self, data=None, *, agreement: Agreement, objectives: list[dict] | None = None):
        self.agreement = agreement
        self.non_field_errors: list[str] = []
        self.form = AgreementForm.for_agreement(agreement, data)
        if data is None:
            self.objectives = [
                ObjectiveForm(initial=ObjectiveForm.initial_for(objective), key=key)
                for key, objective in enumerate(objectives or [])
            ]
        else:
            keys: list[int] = []
            for raw in data.getlist("objective"):
                if raw.isdigit() and int(raw) not in keys and len(keys) < MAX_OBJECTIVES:
                    keys.append(int(raw))
            self.objectives = [ObjectiveForm(data, key=key) for key in keys]

    def add_objective(self, metric: str = "") -> None:
        if len(self.objectives) >= MAX_OBJECTIVES:
            self.non_field_errors.append(f"At most {MAX_OBJECTIVES} objectives.")
            return
        metric = metric if metric in LABELS else MARKETING_METRICS[0]
        key = max((form.key for form in self.objectives), default=-1) + 1
        initial = {"metric": metric, "target": 60 if metric == "mqls_delivered" else 90, "period": "month"}
        initial.update({name: DEFAULTS[name] for name in TERMS_OF.get(metric, ())})
        self.objectives.append(ObjectiveForm(initial=initial, key=key))

    def remove_objective(self, key: str) -> None:
        self.objectives = [form for form in self.objectives if str(form.key) != key]

    def as_typed(self, *, fill_terms: bool = False) -> None:
        """After adding, removing or re-picking a metric: the forms as typed so far, without error
        messages (nobody asked to save yet); with fill_terms, a metric's empty terms get a usual value."""
        self.form = AgreementForm(initial={name: self.form[name].value() for name in self.form.fields})
        forms = []
        for form in self.objectives:
            if form.is_bound:
                initial = {name: form[name].value() for name in form.fields}
                for term in TERMS_OF.get(form.metric_value, ()) if fill_terms else ():
                    if initial.get(term) in (None, ""):
                        initial[term] = DEFAULTS[term]
                form = ObjectiveForm(initial=initial, key=form.key)
            forms.append(form)
        self.objectives = forms

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        for form in self.objectives:
            valid = form.is_valid() and valid
        if not self.objectives:
            self.non_field_errors.append("An agreement holds at least one objective: add one.")
            valid = False
        return valid

    def cleaned(self) -> dict:
        """What update_agreement takes, once is_valid()."""
        data = self.form.cleaned_data
        return {
            "name": data["name"],
            "summary": data["summary"],
            "at_risk_share": data["at_risk_percent"] / 100,
            "objectives": [form.raw() for form in self.objectives],
        }

    def add_domain_error(self, error: DomainError) -> None:
        """The service's refusal on top, and in place: "objectives.2" beside the third objective."""
        self.non_field_errors.append(error.message)
        for name, messages in error.fields.items():
            index = name.removeprefix("objectives.")
            if name.startswith("objectives.") and index.isdigit() and int(index) < len(self.objectives):
                target, field = self.objectives[int(index)], None
            elif name == "at_risk_share":
                target, field = self.form, "at_risk_percent"
            elif name in self.form.fields:
                target, field = self.form, name
            else:
                continue
            for message in messages:
                target.add_error(field, message)


class CompareForm(forms.Form):
    """Two versions to compare; the choices are the member's own organization's versions."""

    def __init__(self, data=None, *, agreements: list[Agreement]):
        super().__init__(data)
        choices = [(str(a.pk), f"Version {a.number}: {a.name} ({a.get_status_display().lower()})") for a in agreements]
        select = {"class": "form-select form-select-sm"}
        self.fields["from"] = forms.ChoiceField(label="Compare", choices=choices, widget=forms.Select(attrs=select))
        self.fields["to"] = forms.ChoiceField(label="with", choices=choices, widget=forms.Select(attrs=select))
        if data is None and len(agreements) >= 2:
            self.initial = {"from": str(agreements[1].pk), "to": str(agreements[0].pk)}
