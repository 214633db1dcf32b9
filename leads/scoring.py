"""Evaluating a lead against a criteria version: pure, ORM-free, deterministic and explainable.

Every rule answers held, failed or unknown (the lead lacks the data) with a sentence a person can
check ("Employees 250 ≥ 200"). Required rules must all hold; weighted rules add their weight to the
fit score (0-100, the share of weight held). A lead qualifies when every required rule holds and
the fit and engagement scores reach the version's thresholds.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from leads.engagement import engagement_score


class Attribute(StrEnum):
    COUNTRY = "country"
    REGION = "region"
    EMPLOYEES = "employees"
    ANNUAL_REVENUE = "annual_revenue"
    INDUSTRY = "industry"
    BUYING_AUTHORITY = "buying_authority"
    BUDGET = "budget"
    TIMELINE = "timeline"
    PAIN_POINT = "pain_point"
    ENGAGEMENT = "engagement"
    CONTENT = "content"


class Operator(StrEnum):
    IN = "in"
    NOT_IN = "not_in"
    AT_LEAST = "gte"
    AT_MOST = "lte"
    BETWEEN = "between"
    KNOWN = "known"
    ANY_OF = "any_of"
    ENGAGED_WITH = "engaged_with"


class Result(StrEnum):
    HELD = "held"
    FAILED = "failed"
    UNKNOWN = "unknown"


LABELS = {
    Attribute.COUNTRY: "Country",
    Attribute.REGION: "Region",
    Attribute.EMPLOYEES: "Employees",
    Attribute.ANNUAL_REVENUE: "Annual revenue",
    Attribute.INDUSTRY: "Industry",
    Attribute.BUYING_AUTHORITY: "Buying authority",
    Attribute.BUDGET: "Budget",
    Attribute.TIMELINE: "Purchase timeline",
    Attribute.PAIN_POINT: "Pain point",
    Attribute.ENGAGEMENT: "Engagement",
    Attribute.CONTENT: "Content",
}
# Which operators make sense for which attribute: the editor offers these and nothing else.
OPERATORS: dict[Attribute, tuple[Operator, ...]] = {
    Attribute.COUNTRY: (Operator.IN, Operator.NOT_IN),
    Attribute.REGION: (Operator.IN, Operator.NOT_IN),
    Attribute.EMPLOYEES: (Operator.AT_LEAST, Operator.AT_MOST, Operator.BETWEEN),
    Attribute.ANNUAL_REVENUE: (Operator.AT_LEAST, Operator.AT_MOST, Operator.BETWEEN),
    Attribute.INDUSTRY: (Operator.IN, Operator.NOT_IN),
    Attribute.BUYING_AUTHORITY: (Operator.IN,),
    Attribute.BUDGET: (Operator.KNOWN, Operator.AT_LEAST),
    Attribute.TIMELINE: (Operator.IN,),
    Attribute.PAIN_POINT: (Operator.KNOWN, Operator.ANY_OF),
    Attribute.ENGAGEMENT: (Operator.AT_LEAST,),
    Attribute.CONTENT: (Operator.ENGAGED_WITH,),
}
NUMBERS = {Attribute.EMPLOYEES, Attribute.ANNUAL_REVENUE, Attribute.BUDGET}
LISTS = {Attribute.COUNTRY, Attribute.REGION, Attribute.INDUSTRY, Attribute.BUYING_AUTHORITY, Attribute.TIMELINE}


@dataclass(frozen=True)
class Rule:
    attribute: Attribute
    operator: Operator
    # in/not_in/any_of: a list of texts; gte/lte: a number; between: [low, high];
    # engagement: {"score": x, "days": n}; content: {"assets": [ids], "topic": text, "days": n}.
    value: object = None
    required: bool = False
    weight: int = 0


@dataclass(frozen=True)
class Criteria:
    rules: tuple[Rule, ...]
    min_fit_score: int = 0
    min_engagement_score: float = 0.0
    # Each rule in words and its values made ready to compare, worked out once: a re-evaluation
    # judges thousands of leads by the same rules.
    texts: tuple[str, ...] = field(init=False, compare=False, repr=False)
    plans: tuple["_Plan", ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "texts", tuple(describe(rule) for rule in self.rules))
        object.__setattr__(self, "plans", tuple(_Plan.of(rule) for rule in self.rules))


class ContentTouch(NamedTuple):
    """A touch with the asset it was on; it counts towards engagement as a Touch does."""

    kind: str
    occurred_at: datetime
    asset_id: int | None


@dataclass(frozen=True)
class LeadFacts:
    country: str = ""
    region: str = ""
    employees: int | None = None
    annual_revenue: Decimal | float | None = None
    industry: str = ""
    buying_authority: str = "unknown"
    budget: Decimal | float | None = None
    timeline: str = "unknown"
    pain_points: tuple[str, ...] = ()
    touches: tuple[ContentTouch, ...] = ()
    # The lead's kept-current score; when absent it is computed from the touches.
    engagement_score: float | None = None

    @classmethod
    def from_row(cls, row: Mapping, touches: Iterable[ContentTouch] = ()) -> "LeadFacts":
        """From a lead's stored values (a dict with the fields of this class, but touches)."""
        return cls(
            country=row["country"], region=row["region"], employees=row["employees"],
            annual_revenue=row["annual_revenue"], industry=row["industry"], buying_authority=row["buying_authority"],
            budget=row["budget"], timeline=row["timeline"], pain_points=tuple(row["pain_points"]),
            touches=tuple(touches), engagement_score=row.get("engagement_score"),
        )  # fmt: skip


@dataclass(frozen=True)
class RuleOutcome:
    rule: str
    result: Result
    reason: str
    required: bool
    weight: int

    def as_dict(self) -> dict:
        return {"rule": self.rule, "result": self.result.value, "reason": self.reason, "required": self.required,
                "weight": self.weight}  # fmt: skip


@dataclass(frozen=True)
class Evaluation:
    fit_score: int
    engagement_score: float
    qualified: bool
    outcomes: tuple[RuleOutcome, ...] = field(default_factory=tuple)

    @property
    def summary(self) -> str:
        """The reasons in short, for a list row: what held, what failed, what is unknown."""
        held = [o.rule for o in self.outcomes if o.result == Result.HELD]
        missed = [o.rule for o in self.outcomes if o.result != Result.HELD]
        text = ", ".join(held) or "no rule held"
        return f"{text}; not: {', '.join(missed)}" if missed else text


def describe(rule: Rule) -> str:
    """The rule in words, as the signing managers read it."""
    label, value = LABELS[rule.attribute], rule.value
    match rule.operator:
        case Operator.IN:
            return f"{label} is one of {_list(_display(rule.attribute, v) for v in value)}"
        case Operator.NOT_IN:
            return f"{label} is not one of {_list(_display(rule.attribute, v) for v in value)}"
        case Operator.AT_LEAST:
            if rule.attribute == Attribute.ENGAGEMENT:
                return f"Engagement over the last {value['days']} days ≥ {_number(value['score'])}"
            return f"{label} ≥ {_number(value)}"
        case Operator.AT_MOST:
            return f"{label} ≤ {_number(value)}"
        case Operator.BETWEEN:
            return f"{label} between {_number(value[0])} and {_number(value[1])}"
        case Operator.KNOWN:
            return f"{label} is stated"
        case Operator.ANY_OF:
            return f"{label} is any of {_list(value)}"
        case Operator.ENGAGED_WITH:
            return f"Engaged with {_content(value)} in the last {value['days']} days"
    raise ValueError(f"unknown operator {rule.operator}")


@dataclass(frozen=True)
class _Plan:
    """A rule's values as its checks use them, for every lead alike."""

    label: str
    wanted: frozenset[str] = frozenset()  # lower-cased, for in / not_in / any_of
    shown: str = ""  # the rule's values in words
    low: float = 0.0
    high: float = 0.0
    since: timedelta = timedelta()

    @classmethod
    def of(cls, rule: Rule) -> "_Plan":
        attribute, value, label = rule.attribute, rule.value, LABELS[rule.attribute]
        if attribute == Attribute.ENGAGEMENT:
            return cls(
                label, shown=_number(value["score"]), low=float(value["score"]), since=timedelta(days=value["days"])
            )
        if attribute == Attribute.CONTENT:
            return cls(label)
        if attribute == Attribute.PAIN_POINT:
            return cls(label, frozenset(w.lower() for w in value or ()), _list(value or ()))
        if attribute in NUMBERS:
            if rule.operator == Operator.BETWEEN:
                low, high = float(value[0]), float(value[1])
                return cls(label, shown=f"{_number(low)}–{_number(high)}", low=low, high=high)
            if rule.operator == Operator.KNOWN:
                return cls(label)
            return cls(label, shown=_number(value), low=float(value))
        return cls(label, frozenset(str(w).lower() for w in value), _list(_display(attribute, v) for v in value))


def evaluate(
    criteria: Criteria, facts: LeadFacts, now: datetime, *, asset_topics: Mapping[int, Iterable[str]] | None = None
) -> Evaluation:
    topics = asset_topics or {}
    outcomes = tuple(
        RuleOutcome(text, *_judge(rule, plan, facts, now, topics), rule.required, 0 if rule.required else rule.weight)
        for rule, plan, text in zip(criteria.rules, criteria.plans, criteria.texts, strict=True)
    )
    total = sum(rule.weight for rule in criteria.rules if not rule.required)
    held = sum(o.weight for o in outcomes if not o.required and o.result == Result.HELD)
    fit = round(100 * held / total) if total else 100
    engagement = facts.engagement_score
    if engagement is None:
        engagement = engagement_score(facts.touches, now)
    required_held = all(o.result == Result.HELD for o in outcomes if o.required)
    qualified = required_held and fit >= criteria.min_fit_score and engagement >= criteria.min_engagement_score
    return Evaluation(fit, engagement, qualified, outcomes)


def _judge(rule: Rule, plan: _Plan, facts: LeadFacts, now: datetime, asset_topics) -> tuple[Result, str]:
    label, attribute, value = plan.label, rule.attribute, rule.value
    if attribute == Attribute.ENGAGEMENT:
        # A content touch counts as the touch it is: no copy per lead and rule.
        score = engagement_score(facts.touches, now, since=now - plan.since)
        held = score >= plan.low
        sign = "≥" if held else "<"
        return _held(held), f"Engagement over the last {value['days']} days {_number(score)} {sign} {plan.shown}"
    if attribute == Attribute.CONTENT:
        return _engaged_with(value, facts, now, asset_topics)
    if attribute == Attribute.PAIN_POINT:
        stated = [p for p in facts.pain_points if p.strip()]
        if not stated:
            return Result.UNKNOWN, "No pain point stated"
        if rule.operator == Operator.KNOWN:
            return Result.HELD, f"Pain point stated: {stated[0]}"
        matches = [p for p in stated if p.lower() in plan.wanted]
        if matches:
            return Result.HELD, f"Pain point “{matches[0]}” is one of {plan.shown}"
        return Result.FAILED, f"Pain points {_list(stated)} are none of {plan.shown}"
    actual = getattr(facts, attribute.value)
    if attribute in NUMBERS:
        if actual is None:
            return Result.UNKNOWN, f"{label} unknown"
        if rule.operator == Operator.KNOWN:
            return Result.HELD, f"{label} {_number(actual)} stated"
        return _compare(label, float(actual), rule.operator, plan)
    if not actual or actual == "unknown":
        return Result.UNKNOWN, f"{label} unknown"
    inside = str(actual).lower() in plan.wanted
    held = inside if rule.operator == Operator.IN else not inside
    verb = ("is" if inside else "is not") + f" one of {plan.shown}"
    return _held(held), f"{label} {_display(attribute, actual)} {verb}"


def _compare(label: str, actual: float, operator: Operator, plan: _Plan) -> tuple[Result, str]:
    if operator == Operator.AT_LEAST:
        held = actual >= plan.low
        return _held(held), f"{label} {_number(actual)} {'≥' if held else '<'} {plan.shown}"
    if operator == Operator.AT_MOST:
        held = actual <= plan.low
        return _held(held), f"{label} {_number(actual)} {'≤' if held else '>'} {plan.shown}"
    low, high = plan.low, plan.high
    if low <= actual <= high:
        return Result.HELD, f"{label} {_number(actual)} between {_number(low)} and {_number(high)}"
    where = "below" if actual < low else "above"
    return Result.FAILED, f"{label} {_number(actual)} {where} the range {plan.shown}"


def _engaged_with(value: dict, facts: LeadFacts, now: datetime, asset_topics) -> tuple[Result, str]:
    since = now - timedelta(days=value["days"])
    assets = set(value.get("assets") or [])
    topic = (value.get("topic") or "").strip().lower()
    for touch in sorted(facts.touches, key=lambda t: t.occurred_at, reverse=True):
        if touch.occurred_at < since or touch.asset_id is None:
            continue
        topics = {t.lower() for t in asset_topics.get(touch.asset_id, ())}
        if touch.asset_id in assets or (topic and topic in topics):
            return Result.HELD, f"Engaged with {_content(value)} on {touch.occurred_at:%d %b %Y}"
    return Result.FAILED, f"No engagement with {_content(value)} in the last {value['days']} days"


def _held(held: bool) -> Result:
    return Result.HELD if held else Result.FAILED


def _number(value) -> str:
    number = float(value)
    return f"{number:,.0f}" if number == int(number) else f"{number:,.1f}"


def _list(values) -> str:
    return ", ".join(str(v) for v in values)


def _content(value: dict) -> str:
    parts = []
    if value.get("assets"):
        parts.append(f"{len(value['assets'])} chosen asset{'s' if len(value['assets']) != 1 else ''}")
    if value.get("topic"):
        parts.append(f"content on “{value['topic']}”")
    return " or ".join(parts) or "any content"


def _display(attribute: Attribute, actual) -> str:
    return (
        str(actual).replace("_", " ") if attribute in (Attribute.BUYING_AUTHORITY, Attribute.TIMELINE) else str(actual)
    )


@dataclass(frozen=True)
class Change:
    kind: str  # "added", "removed", "changed"
    text: str


def _terms(rule: Rule) -> str:
    return "required" if rule.required else f"weight {rule.weight}"


def diff(old: Criteria, new: Criteria) -> list[Change]:
    """What changed from one version to the next, in words: thresholds, then rules."""
    changes = []
    if old.min_fit_score != new.min_fit_score:
        changes.append(Change("changed", f"Minimum fit score {old.min_fit_score} → {new.min_fit_score}"))
    if old.min_engagement_score != new.min_engagement_score:
        changes.append(
            Change(
                "changed",
                f"Minimum engagement {_number(old.min_engagement_score)} → {_number(new.min_engagement_score)}",
            )
        )
    before = {describe(rule): rule for rule in old.rules}
    after = {describe(rule): rule for rule in new.rules}
    for text, rule in after.items():
        if text not in before:
            changes.append(Change("added", f"{text} ({_terms(rule)})"))
        elif _terms(before[text]) != _terms(rule):
            changes.append(Change("changed", f"{text}: {_terms(before[text])} → {_terms(rule)}"))
    changes.extend(Change("removed", f"{text} ({_terms(rule)})") for text, rule in before.items() if text not in after)
    return changes
