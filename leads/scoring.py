"""Evaluating a lead against a criteria version: pure, ORM-free, deterministic and explainable.

Every rule answers held, failed or unknown (the lead lacks the data) with a sentence a person can
check ("Employees 250 ≥ 200"). Required rules must all hold; weighted rules add their weight to the
fit score (0-100, the share of weight held). A lead qualifies when every required rule holds and
the fit and engagement scores reach the version's thresholds.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from leads.engagement import HORIZON, engagement_score


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


# How a stored evaluation writes each result: its first letter.
RESULTS = {result.value[0]: result for result in Result}


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
    # Each rule in words and its check with the values made ready, worked out once: a re-evaluation
    # judges thousands of leads by the same rules.
    texts: tuple[str, ...] = field(init=False, compare=False, repr=False)
    checks: tuple["_Check", ...] = field(init=False, compare=False, repr=False)
    total_weight: int = field(init=False, compare=False, repr=False)
    # How far back any rule looks at touches (never beyond the engagement horizon), or None when no
    # rule does: a lead's older touches cannot change its evaluation, given its kept-current score.
    touch_window: timedelta | None = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "texts", tuple(describe(rule) for rule in self.rules))
        object.__setattr__(
            self,
            "checks",
            tuple(
                _Check(rule.required, 0 if rule.required else rule.weight, _judge_for(rule, text))
                for rule, text in zip(self.rules, self.texts, strict=True)
            ),
        )
        object.__setattr__(self, "total_weight", sum(rule.weight for rule in self.rules if not rule.required))
        days = [
            rule.value["days"] for rule in self.rules if rule.attribute in (Attribute.ENGAGEMENT, Attribute.CONTENT)
        ]
        object.__setattr__(self, "touch_window", min(timedelta(days=max(days)), HORIZON) if days else None)


class ContentTouch(NamedTuple):
    """A touch with the asset it was on; it counts towards engagement as a Touch does."""

    kind: str
    occurred_at: datetime
    asset_id: int | None


class LeadFacts(NamedTuple):
    """What the rules judge of one lead (a tuple: a re-evaluation reads thousands per chunk)."""

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


class RuleOutcome(NamedTuple):
    """One rule's verdict on one lead (a tuple: a re-evaluation makes millions of them)."""

    rule: str
    result: Result
    reason: str
    required: bool
    weight: int

    def as_dict(self) -> dict:
        return {"rule": self.rule, "result": self.result.value, "reason": self.reason, "required": self.required,
                "weight": self.weight}  # fmt: skip


class Evaluation(NamedTuple):
    fit_score: int
    engagement_score: float
    qualified: bool
    outcomes: tuple[RuleOutcome, ...] = ()

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


# A rule's verdict on one lead, whole: what the rule says, held or not, why, its terms.
Judge = Callable[[LeadFacts, datetime, Mapping[int, Iterable[str]]], RuleOutcome]
Outcome = Callable[[Result, str], RuleOutcome]


class _Check(NamedTuple):
    required: bool
    weight: int  # what the rule adds to the fit score when it holds: 0 for a required rule
    judge: Judge


# Distinct values a check keeps the verdict of (countries, head counts, scores): the same value gets
# the same outcome, so thousands of leads share a few hundred formatted sentences.
REMEMBERED = 4096


def _remembering(decide: Callable[[object], RuleOutcome]) -> Callable[[object], RuleOutcome]:
    verdicts: dict = {}

    def verdict(value) -> RuleOutcome:
        found = verdicts.get(value)
        if found is None:
            found = decide(value)
            if len(verdicts) < REMEMBERED:
                verdicts[value] = found
        return found

    return verdict


def _judge_for(rule: Rule, text: str) -> Judge:
    """The rule's check, with everything that is the same for every lead worked out here."""
    attribute, value, label = rule.attribute, rule.value, LABELS[rule.attribute]
    required, weight = rule.required, 0 if rule.required else rule.weight

    def outcome(result: Result, reason: str) -> RuleOutcome:
        return RuleOutcome(text, result, reason, required, weight)

    if attribute == Attribute.ENGAGEMENT:
        return _engagement_judge(outcome, value)
    if attribute == Attribute.CONTENT:
        return _content_judge(outcome, value)
    if attribute == Attribute.PAIN_POINT:
        return _pain_point_judge(outcome, rule.operator, value)
    if attribute in NUMBERS:
        return _number_judge(outcome, label, attribute.value, rule.operator, value)
    return _list_judge(outcome, label, attribute, rule.operator, value)


def _engagement_judge(outcome: Outcome, value: dict) -> Judge:
    span, low, shown = timedelta(days=value["days"]), float(value["score"]), _number(value["score"])
    start = f"Engagement over the last {value['days']} days "

    def decide(score: float) -> RuleOutcome:
        held = score >= low
        return outcome(_held(held), f"{start}{_number(score)} {'≥' if held else '<'} {shown}")

    verdict = _remembering(decide)
    untouched = decide(0.0)

    def judge(facts: LeadFacts, now: datetime, asset_topics) -> RuleOutcome:
        if not facts.touches:
            return untouched
        # A content touch counts as the touch it is: no copy per lead and rule.
        return verdict(engagement_score(facts.touches, now, since=now - span))

    return judge


def _content_judge(outcome: Outcome, value: dict) -> Judge:
    span, shown = timedelta(days=value["days"]), _content(value)
    assets = set(value.get("assets") or [])
    topic = (value.get("topic") or "").strip().lower()
    failed = outcome(Result.FAILED, f"No engagement with {shown} in the last {value['days']} days")

    def judge(facts: LeadFacts, now: datetime, asset_topics) -> RuleOutcome:
        since = now - span
        for touch in sorted(facts.touches, key=_touch_time, reverse=True):
            if touch.occurred_at < since or touch.asset_id is None:
                continue
            topics = {t.lower() for t in asset_topics.get(touch.asset_id, ())}
            if touch.asset_id in assets or (topic and topic in topics):
                return outcome(Result.HELD, f"Engaged with {shown} on {touch.occurred_at:%d %b %Y}")
        return failed

    return judge


def _touch_time(touch: ContentTouch) -> datetime:
    return touch.occurred_at


def _pain_point_judge(outcome: Outcome, operator: Operator, value) -> Judge:
    wanted, shown = frozenset(w.lower() for w in value or ()), _list(value or ())
    unknown = outcome(Result.UNKNOWN, "No pain point stated")

    def judge(facts: LeadFacts, now: datetime, asset_topics) -> RuleOutcome:
        stated = [p for p in facts.pain_points if p.strip()]
        if not stated:
            return unknown
        if operator == Operator.KNOWN:
            return outcome(Result.HELD, f"Pain point stated: {stated[0]}")
        matches = [p for p in stated if p.lower() in wanted]
        if matches:
            return outcome(Result.HELD, f"Pain point “{matches[0]}” is one of {shown}")
        return outcome(Result.FAILED, f"Pain points {_list(stated)} are none of {shown}")

    return judge


def _number_judge(outcome: Outcome, label: str, name: str, operator: Operator, value) -> Judge:
    unknown = outcome(Result.UNKNOWN, f"{label} unknown")
    if operator == Operator.KNOWN:

        def decide(actual: float) -> RuleOutcome:
            return outcome(Result.HELD, f"{label} {_number(actual)} stated")

    elif operator in (Operator.AT_LEAST, Operator.AT_MOST):
        low, shown = float(value), _number(value)
        at_least = operator == Operator.AT_LEAST

        def decide(actual: float) -> RuleOutcome:
            if at_least:
                held = actual >= low
                return outcome(_held(held), f"{label} {_number(actual)} {'≥' if held else '<'} {shown}")
            held = actual <= low
            return outcome(_held(held), f"{label} {_number(actual)} {'≤' if held else '>'} {shown}")

    else:  # between: the only other operator a number takes (OPERATORS)
        low, high = float(value[0]), float(value[1])
        shown = f"{_number(low)}–{_number(high)}"
        inside = f"between {_number(low)} and {_number(high)}"

        def decide(actual: float) -> RuleOutcome:
            if low <= actual <= high:
                return outcome(Result.HELD, f"{label} {_number(actual)} {inside}")
            where = "below" if actual < low else "above"
            return outcome(Result.FAILED, f"{label} {_number(actual)} {where} the range {shown}")

    # Whole numbers only are remembered: a decimal's zero may carry a sign its text would show.
    verdict = _remembering(lambda whole: decide(float(whole)))

    def judge(facts: LeadFacts, now: datetime, asset_topics) -> RuleOutcome:
        actual = getattr(facts, name)
        if actual is None:
            return unknown
        return verdict(actual) if type(actual) is int else decide(float(actual))

    return judge


def _list_judge(outcome: Outcome, label: str, attribute: Attribute, operator: Operator, value) -> Judge:
    wanted = frozenset(str(w).lower() for w in value)
    shown = _list(_display(attribute, v) for v in value)
    unknown = outcome(Result.UNKNOWN, f"{label} unknown")
    name, keep_inside = attribute.value, operator == Operator.IN

    def decide(actual) -> RuleOutcome:
        inside = str(actual).lower() in wanted
        verb = ("is" if inside else "is not") + f" one of {shown}"
        return outcome(_held(inside if keep_inside else not inside), f"{label} {_display(attribute, actual)} {verb}")

    verdict = _remembering(decide)

    def judge(facts: LeadFacts, now: datetime, asset_topics) -> RuleOutcome:
        actual = getattr(facts, name)
        if not actual or actual == "unknown":
            return unknown
        return verdict(actual) if type(actual) is str else decide(actual)

    return judge


def evaluate(
    criteria: Criteria, facts: LeadFacts, now: datetime, *, asset_topics: Mapping[int, Iterable[str]] | None = None
) -> Evaluation:
    topics = asset_topics or {}
    outcomes = []
    held = 0
    required_held = True
    for required, weight, judge in criteria.checks:
        outcome = judge(facts, now, topics)
        outcomes.append(outcome)
        if outcome.result is Result.HELD:
            held += weight
        elif required:
            required_held = False
    total = criteria.total_weight
    fit = round(100 * held / total) if total else 100
    engagement = facts.engagement_score
    if engagement is None:
        engagement = engagement_score(facts.touches, now)
    qualified = required_held and fit >= criteria.min_fit_score and engagement >= criteria.min_engagement_score
    return Evaluation(fit, engagement, qualified, tuple(outcomes))


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
