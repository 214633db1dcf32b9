"""HTML forms of the criteria pages and the qualified queue: input shape only; the services decide.

The criteria editor shows each rule as form controls that fit its attribute (countries to pick,
numbers, checkboxes), never JSON. Rows carry a key of their own ("rule-3-attribute"), listed in
order by hidden `rule` inputs, so adding or removing a row needs no renumbering and works the same
with htmx or as a plain form post.
"""

from decimal import Decimal

import django_filters
from django import forms
from django_countries import countries

from leads.models import CriteriaVersion, Lead
from leads.scoring import LABELS, OPERATORS, Attribute, Criteria, Operator, Rule
from leads.services.criteria import clean_rules
from smarketing.errors import DomainError

A, Op = Attribute, Operator
OPERATOR_LABELS = {
    Op.IN: "is one of",
    Op.NOT_IN: "is not one of",
    Op.AT_LEAST: "is at least",
    Op.AT_MOST: "is at most",
    Op.BETWEEN: "is between",
    Op.KNOWN: "is stated",
    Op.ANY_OF: "is any of",
    Op.ENGAGED_WITH: "engaged with",
}
ATTRIBUTE_CHOICES = [(a.value, LABELS[a]) for a in Attribute]
# "Unknown" is what a lead has when nobody asked: no rule can ask for it.
AUTHORITY_CHOICES = [c for c in Lead.BuyingAuthority.choices if c[0] != Lead.BuyingAuthority.UNKNOWN]
TIMELINE_CHOICES = [c for c in Lead.Timeline.choices if c[0] != Lead.Timeline.UNKNOWN]
TEXT_HINTS = {
    A.REGION: "e.g. Bavaria, Ontario",
    A.INDUSTRY: "e.g. Software, Manufacturing",
    A.PAIN_POINT: "e.g. cost of churn, manual reporting",
}
NUMBER_ATTRS = {"min": "0", "step": "any", "inputmode": "decimal"}
NEW_RULE_WEIGHT = 20
MAX_RULES = 40


def _select(**attrs) -> forms.Select:
    return forms.Select(attrs={"class": "form-select form-select-sm", **attrs})


def _number(**attrs) -> forms.NumberInput:
    return forms.NumberInput(attrs={"class": "form-control form-control-sm", **NUMBER_ATTRS, **attrs})


def _text(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "form-control form-control-sm", **attrs})


def comma_list(text: str) -> list[str]:
    """ "Bavaria, Ontario ," → ["Bavaria", "Ontario"]: blanks and repeats dropped."""
    items: list[str] = []
    for item in (text or "").split(","):
        item = " ".join(item.split())
        if item and item.casefold() not in {i.casefold() for i in items}:
            items.append(item)
    return items


def plain_number(value) -> str:
    """200.0 → "200", 2.5 → "2.5": how a stored number goes back into an input."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    return str(number.quantize(Decimal(1))) if number == number.to_integral() else str(number.normalize())


class VersionForm(forms.Form):
    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"class": "form-control"}))
    summary = forms.CharField(
        required=False,
        label="Summary",
        help_text="What changes and why, in a few sentences: the managers read this first.",
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
    min_fit_score = forms.IntegerField(
        label="Minimum fit score",
        min_value=0,
        max_value=100,
        help_text="0 to 100: the share of rule weight a lead must meet.",
        widget=forms.NumberInput(attrs={"class": "form-control", "min": "0", "max": "100"}),
    )
    min_engagement_score = forms.FloatField(
        label="Minimum engagement score",
        min_value=0,
        help_text="Recent touches, weighted and decaying over time.",
        widget=forms.NumberInput(attrs={"class": "form-control", "min": "0", "step": "any"}),
    )

    @classmethod
    def for_version(cls, version: CriteriaVersion, data=None) -> "VersionForm":
        initial = {
            "name": version.name,
            "summary": version.summary,
            "min_fit_score": version.min_fit_score,
            "min_engagement_score": plain_number(version.min_engagement_score),
        }
        return cls(data, initial=initial)


class RuleForm(forms.Form):
    """One rule: its attribute, a comparison that fits it, the values, and required or a weight."""

    attribute = forms.ChoiceField(choices=ATTRIBUTE_CHOICES, widget=_select())
    operator = forms.ChoiceField(
        choices=[(o.value, OPERATOR_LABELS[o]) for o in Operator],
        widget=_select(),
        error_messages={"invalid_choice": "Pick a comparison that fits this attribute."},
    )
    countries = forms.MultipleChoiceField(
        required=False,
        choices=(),
        widget=forms.SelectMultiple(attrs={"class": "form-select form-select-sm country-select", "size": "7"}),
    )
    texts = forms.CharField(required=False, max_length=1000, widget=_text())
    authorities = forms.MultipleChoiceField(
        required=False, choices=AUTHORITY_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    timelines = forms.MultipleChoiceField(required=False, choices=TIMELINE_CHOICES, widget=forms.CheckboxSelectMultiple)
    low = forms.DecimalField(required=False, min_value=0, max_digits=16, decimal_places=2, widget=_number())
    high = forms.DecimalField(required=False, min_value=0, max_digits=16, decimal_places=2, widget=_number())
    score = forms.FloatField(required=False, min_value=0, widget=_number())
    days = forms.IntegerField(
        required=False, min_value=1, max_value=365, widget=_number(max="365", step="1", inputmode="numeric")
    )
    assets = forms.MultipleChoiceField(
        required=False,
        choices=(),
        widget=forms.SelectMultiple(attrs={"class": "form-select form-select-sm", "size": "5"}),
    )
    topic = forms.CharField(required=False, max_length=80, widget=_text(placeholder="or content on a topic"))
    required = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    # 1 to 100 unless the rule is required; the service checks it with that in mind.
    weight = forms.IntegerField(
        required=False,
        widget=forms.NumberInput(
            attrs={"class": "form-control form-control-sm weight-input", "min": "1", "max": "100"}
        ),
    )

    def __init__(self, *args, key: int, asset_choices: list[tuple[str, str]], country_choices, **kwargs):
        super().__init__(*args, prefix=f"rule-{key}", **kwargs)
        self.key = key
        self.fields["countries"].choices = self._chosen_first(country_choices)
        self.fields["assets"].choices = asset_choices
        for name in ("authorities", "timelines"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        # The attribute as the person last chose it; the comparisons and value inputs follow it.
        chosen = self.data.get(self.add_prefix("attribute")) if self.is_bound else self.initial.get("attribute")
        self.attribute = Attribute(chosen) if chosen in Attribute._value2member_map_ else A.COUNTRY
        allowed = OPERATORS[self.attribute]
        self.fields["operator"].choices = [(o.value, self._operator_label(o)) for o in allowed]
        operator = self.data.get(self.add_prefix("operator")) if self.is_bound else self.initial.get("operator")
        # A comparison left over from the attribute chosen before gives way to the first that fits.
        self.operator = Operator(operator) if operator in allowed else allowed[0]
        if self.is_bound and operator != self.operator:
            self.data = self.data.copy()
            self.data[self.add_prefix("operator")] = self.operator.value
        self._label_values()

    def _chosen_first(self, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Countries chosen lead the list: among 250 they would hide far down the box."""
        name = "countries"
        chosen = set(self.data.getlist(self.add_prefix(name)) if self.is_bound else self.initial.get(name) or [])
        if not chosen:
            return choices
        return [c for c in choices if c[0] in chosen] + [c for c in choices if c[0] not in chosen]

    def _operator_label(self, operator: Operator) -> str:
        if self.attribute == A.ENGAGEMENT:
            return "score is at least"
        return OPERATOR_LABELS[operator]

    def _label_values(self) -> None:
        label = LABELS[self.attribute]
        self.fields["countries"].label = "Countries"
        self.fields["texts"].label = f"{label}, separated by commas"
        self.fields["texts"].widget.attrs["placeholder"] = TEXT_HINTS.get(self.attribute, "")
        self.fields["authorities"].label = "Buying authority"
        self.fields["timelines"].label = "Purchase timeline"
        between = self.operator == Op.BETWEEN
        self.fields["low"].label = "From" if between else ("At most" if self.operator == Op.AT_MOST else "At least")
        self.fields["high"].label = "To"
        self.fields["score"].label = "Engagement score at least"
        self.fields["days"].label = "Over the last … days"
        self.fields["assets"].label = "Any of this content"
        self.fields["topic"].label = "Or content on the topic"
        self.fields["required"].label = "Required"
        self.fields["weight"].label = "Weight"

    @property
    def value_kind(self) -> str:
        """Which value inputs the row shows: one of the partials of the editor template."""
        if self.operator == Op.KNOWN:
            return "none"
        if self.attribute == A.COUNTRY:
            return "countries"
        if self.attribute == A.BUYING_AUTHORITY:
            return "authorities"
        if self.attribute == A.TIMELINE:
            return "timelines"
        if self.attribute in (A.REGION, A.INDUSTRY, A.PAIN_POINT):
            return "texts"
        if self.attribute == A.ENGAGEMENT:
            return "engagement"
        if self.attribute == A.CONTENT:
            return "content"
        return "range" if self.operator == Op.BETWEEN else "number"

    @property
    def chosen_countries(self) -> list[str]:
        value = self["countries"].value() or []
        return [code for code in value if code]

    @classmethod
    def initial_for(cls, rule: dict) -> dict:
        """A stored rule ({attribute, operator, value, required, weight}) as the row's initial values."""
        attribute, operator, value = Attribute(rule["attribute"]), Operator(rule["operator"]), rule.get("value")
        initial = {"attribute": attribute.value, "operator": operator.value, "required": bool(rule.get("required"))}
        initial["weight"] = None if initial["required"] else rule.get("weight") or None
        if operator in (Op.IN, Op.NOT_IN, Op.ANY_OF):
            field = {A.COUNTRY: "countries", A.BUYING_AUTHORITY: "authorities", A.TIMELINE: "timelines"}
            if attribute in field:
                initial[field[attribute]] = list(value or [])
            else:
                initial["texts"] = ", ".join(value or [])
        elif operator == Op.BETWEEN:
            initial["low"], initial["high"] = plain_number(value[0]), plain_number(value[1])
        elif attribute == A.ENGAGEMENT:
            initial["score"], initial["days"] = plain_number(value["score"]), value["days"]
        elif attribute == A.CONTENT:
            initial["assets"] = [str(a) for a in value.get("assets") or []]
            initial["topic"], initial["days"] = value.get("topic") or "", value.get("days")
        elif operator in (Op.AT_LEAST, Op.AT_MOST):
            initial["low"] = plain_number(value)
        return initial

    def rule(self) -> dict:
        """The rule as update_criteria_version takes it; incomplete values are for the service to name."""
        data = self.cleaned_data
        kind, value = self.value_kind, None
        if kind in ("countries", "authorities", "timelines"):
            value = list(data.get(kind) or [])
        elif kind == "texts":
            value = comma_list(data.get("texts") or "")
        elif kind == "range":
            value = [_float(data.get("low")), _float(data.get("high"))]
        elif kind == "number":
            value = _float(data.get("low"))
        elif kind == "engagement":
            value = {"score": data.get("score"), "days": data.get("days")}
        elif kind == "content":
            value = {"assets": [int(a) for a in data.get("assets") or []], "topic": data.get("topic") or "",
                     "days": data.get("days")}  # fmt: skip
        required = bool(data.get("required"))
        return {
            "attribute": self.attribute.value,
            "operator": self.operator.value,
            "value": value,
            "required": required,
            "weight": 0 if required else data.get("weight") or 0,
        }


def _float(value) -> float | None:
    return None if value is None else float(value)


class CriteriaEditor:
    """The editor's forms together: the version's name and thresholds, and one form per rule."""

    def __init__(self, data=None, *, version: CriteriaVersion, rules: list[dict] | None = None, assets=()):
        self.data = data
        self.version = version
        self.asset_choices = [(str(pk), title) for pk, title in assets]
        self.country_choices = [(code, f"{name} ({code})") for code, name in countries]
        self.non_field_errors: list[str] = []
        if data is None:
            self.form = VersionForm.for_version(version)
            self.rules = [
                self._rule_form(key, initial=RuleForm.initial_for(rule)) for key, rule in enumerate(rules or [])
            ]
        else:
            self.form = VersionForm.for_version(version, data)
            keys = []
            for raw in data.getlist("rule"):
                if raw.isdigit() and int(raw) not in keys and len(keys) < MAX_RULES:
                    keys.append(int(raw))
            self.rules = [self._rule_form(key, data=data) for key in keys]

    def _rule_form(self, key: int, *, data=None, initial=None) -> RuleForm:
        return RuleForm(
            data, initial=initial, key=key, asset_choices=self.asset_choices, country_choices=self.country_choices
        )

    def add_rule(self, attribute: str = "") -> None:
        if len(self.rules) >= MAX_RULES:
            self.non_field_errors.append(f"At most {MAX_RULES} rules.")
            return
        attribute = Attribute(attribute) if attribute in Attribute._value2member_map_ else A.COUNTRY
        key = max((form.key for form in self.rules), default=-1) + 1
        initial = {"attribute": attribute.value, "operator": OPERATORS[attribute][0].value, "weight": NEW_RULE_WEIGHT}
        if attribute in (A.ENGAGEMENT, A.CONTENT):
            initial["days"] = 30
        self.rules.append(self._rule_form(key, initial=initial))

    def remove_rule(self, key: str) -> None:
        self.rules = [form for form in self.rules if str(form.key) != key]

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        for form in self.rules:
            valid = form.is_valid() and valid
        return valid

    def cleaned(self) -> dict:
        """What update_criteria_version takes, once is_valid()."""
        data = self.form.cleaned_data
        return {
            "name": data["name"],
            "summary": data["summary"],
            "min_fit_score": data["min_fit_score"],
            "min_engagement_score": data["min_engagement_score"],
            "rules": [form.rule() for form in self.rules],
        }

    def add_domain_error(self, error: DomainError) -> None:
        """The service's refusal on top, and in place: "rules.2" beside the third rule, thresholds beside theirs."""
        self.non_field_errors.append(error.message)
        for name, messages in error.fields.items():
            index = name.removeprefix("rules.")
            if name.startswith("rules.") and index.isdigit() and int(index) < len(self.rules):
                target, field = self.rules[int(index)], None
            elif name in self.form.fields:
                target, field = self.form, name
            else:
                continue
            for message in messages:
                target.add_error(field, message)

    def preview_criteria(self) -> tuple[Criteria, int]:
        """The unsaved draft for the impact preview, and how many rules were left out as incomplete."""
        version = self.version
        thresholds = {"min_fit_score": version.min_fit_score, "min_engagement_score": version.min_engagement_score}
        if self.form.is_valid():
            thresholds = {name: self.form.cleaned_data[name] for name in thresholds}
        rules, incomplete = [], 0
        for form in self.rules:
            if not form.is_valid():
                incomplete += 1
                continue
            try:
                (rule,) = clean_rules([form.rule()])
            except DomainError:
                incomplete += 1
                continue
            rules.append(Rule(Attribute(rule["attribute"]), Operator(rule["operator"]), rule["value"],
                              rule["required"], rule["weight"]))  # fmt: skip
        return Criteria(tuple(rules), thresholds["min_fit_score"], thresholds["min_engagement_score"]), incomplete


class CompareForm(forms.Form):
    """Two versions to compare, by number; the choices are the member's own organization's versions."""

    def __init__(self, data=None, *, versions: list[CriteriaVersion]):
        super().__init__(data)
        choices = [(str(v.pk), f"Version {v.number}: {v.name} ({v.get_status_display().lower()})") for v in versions]
        self.fields["from"] = forms.ChoiceField(label="Compare", choices=choices, widget=_select())
        self.fields["to"] = forms.ChoiceField(label="with", choices=choices, widget=_select())
        if data is None and len(versions) >= 2:
            self.initial = {"from": str(versions[1].pk), "to": str(versions[0].pk)}


class ReasonForm(forms.Form):
    reason = forms.CharField(required=False)
    # The lead's status when the page was shown: a lead that moved on since is not changed blindly.
    seen_status = forms.ChoiceField(required=False, choices=Lead.Status.choices)


class QualifiedQueueFilter(django_filters.FilterSet):
    """The qualified queue's filter bar: the member's own campaigns, a source, a minimum fit."""

    campaign = django_filters.ChoiceFilter(field_name="campaign_id", label="Campaign", empty_label="All campaigns")
    source = django_filters.CharFilter(field_name="source", lookup_expr="iexact", label="Source")
    fit_min = django_filters.NumberFilter(field_name="fit_score", lookup_expr="gte", label="Fit at least")

    class Meta:
        model = Lead
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, campaigns=(), **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["campaign"].extra["choices"] = campaigns
        fields = self.form.fields
        fields["campaign"].widget.attrs.update({"class": "form-select form-select-sm"})
        fields["source"].widget.attrs.update({"class": "form-control form-control-sm", "placeholder": "e.g. Webinar"})
        fields["fit_min"].widget.attrs.update(
            {"class": "form-control form-control-sm", "min": "0", "max": "100", "placeholder": "0–100"}
        )
        fields["fit_min"].widget.attrs["data-live-input"] = ""

    @property
    def active(self) -> bool:
        return any(value not in (None, "") for value in self.form.cleaned_data.values())
