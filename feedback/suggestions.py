"""What to change in the next criteria version, from the criteria reps mark wrong. Pure and ORM-free.

A change is proposed with numbers only when the leads themselves support it: among the leads where
reps marked the rule wrong (W) and the leads reps accepted without marking it (G), the change must
keep out at least half of W and, in share, at most half as many of G; and the sentence says both
counts, so a reader can weigh the cost. Otherwise the suggestion names the kind of change the rule
allows and the evidence (how often it was marked wrong on rejected and accepted leads).
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

MIN_MARKS = 3  # leads marked wrong, with the value known, before a number is worth proposing
KEEPS_OUT = 0.5  # share of W the change must keep out
NUMBERS = {"employees": "company size", "annual_revenue": "annual revenue", "budget": "budget"}
UNITS = {"employees": " employees"}
LISTED = {"country", "region", "industry", "buying_authority", "timeline"}


@dataclass(frozen=True)
class RuleFacts:
    """A rule of the criteria version: its words, and what it tests."""

    text: str
    attribute: str
    operator: str
    value: object
    required: bool = False
    weight: int = 0


@dataclass(frozen=True)
class Marks:
    """How often reps marked the rule wrong, against how many verdicts of each kind."""

    wrong: int
    wrong_rejected: int
    wrong_accepted: int
    verdicts: int
    rejected: int
    accepted: int


@dataclass(frozen=True)
class Evidence:
    """One value of the rule's attribute among the version's rated leads."""

    value: object  # a number, or the stored code of a listed value
    label: str  # how the value reads ("influencer", "DE")
    wrong: int  # leads with this value where reps marked the rule wrong
    good: int  # leads with this value reps accepted without marking the rule


def suggestion(rule: RuleFacts | None, marks: Marks, evidence: list[Evidence]) -> str:
    if rule is None:
        return "This wording is not among the version's rules any more: check what the rule became."
    return _derived(rule, evidence) or _generic(rule, marks)


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%"


def _amount(value) -> str:
    number = Decimal(str(value))
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"


def _round(value: Decimal, *, down: bool, limit: Decimal) -> Decimal:
    """The roundest number between the nearest lead kept (limit) and the value: for a new minimum the
    smallest round number above limit and at most value; for a new maximum the largest below limit and
    at least value. No lead lies in between, so the counts stay as computed, and the change is the
    smallest that keeps them out."""
    for digits in range(1, 7):
        quantum = Decimal(1).scaleb(value.adjusted() - digits + 1)
        if down:
            rounded = ((limit / quantum).to_integral_value(ROUND_FLOOR) + 1) * quantum
            if rounded <= value:
                return rounded
        else:
            rounded = ((limit / quantum).to_integral_value(ROUND_CEILING) - 1) * quantum
            if rounded >= value:
                return rounded
    return value


def _derived(rule: RuleFacts, evidence: list[Evidence]) -> str:
    if rule.attribute in NUMBERS and rule.operator in ("gte", "lte", "between"):
        return _threshold(rule, [e for e in evidence if e.value is not None])
    if rule.attribute in LISTED and rule.operator in ("in", "not_in"):
        return _listed(rule, evidence)
    return ""


def _bounds(rule: RuleFacts) -> tuple[Decimal | None, Decimal | None]:
    value = rule.value
    if rule.operator == "between" and isinstance(value, list | tuple) and len(value) == 2:
        return Decimal(str(value[0])), Decimal(str(value[1]))
    if isinstance(value, int | float | str | Decimal):
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            return None, None
        return (number, None) if rule.operator == "gte" else (None, number)
    return None, None


def _worth(wrong_out: int, wrong: int, good_out: int, good: int) -> bool:
    if wrong < MIN_MARKS or good == 0 or wrong_out / wrong < KEEPS_OUT:
        return False
    return good_out / good <= (wrong_out / wrong) / 2


def _threshold(rule: RuleFacts, evidence: list[Evidence]) -> str:
    low, high = _bounds(rule)
    points = sorted((Decimal(str(e.value)), e.wrong, e.good) for e in evidence)
    wrong, good = sum(p[1] for p in points), sum(p[2] for p in points)
    if not points or wrong < MIN_MARKS or good == 0:
        return ""
    best = None  # (score, kind, threshold, wrong kept out, good kept out)
    if rule.operator in ("gte", "between"):
        # A new minimum at the n-th value keeps out every value below it.
        wrong_out = good_out = 0
        for n, (value, w, g) in enumerate(points):
            if n and (low is None or value > low) and _worth(wrong_out, wrong, good_out, good):
                score = wrong_out / wrong - good_out / good
                if best is None or score > best[0]:
                    limit = points[n - 1][0] if low is None else max(points[n - 1][0], low)
                    best = (score, "min", _round(value, down=True, limit=limit), wrong_out, good_out)
            wrong_out, good_out = wrong_out + w, good_out + g
    if rule.operator in ("lte", "between"):
        # A new maximum at the n-th value keeps out every value above it.
        wrong_out = good_out = 0
        for n in range(len(points) - 1, -1, -1):
            value, w, g = points[n]
            if n < len(points) - 1 and (high is None or value < high) and _worth(wrong_out, wrong, good_out, good):
                score = wrong_out / wrong - good_out / good
                if best is None or score > best[0]:
                    limit = points[n + 1][0] if high is None else min(points[n + 1][0], high)
                    best = (score, "max", _round(value, down=False, limit=limit), wrong_out, good_out)
            wrong_out, good_out = wrong_out + w, good_out + g
    if best is None:
        return ""
    _score, kind, threshold, wrong_out, good_out = best
    what, unit = NUMBERS[rule.attribute], UNITS.get(rule.attribute, "")
    old = low if kind == "min" else high
    verb = "Raise the minimum" if kind == "min" else "Lower the maximum"
    change = (
        f"from {_amount(old)} to {_amount(threshold)}{unit}" if old is not None else f"to {_amount(threshold)}{unit}"
    )
    return (
        f"{verb} {what} {change}: that keeps out {wrong_out} of the {wrong} leads where reps marked this rule "
        f"wrong, and {good_out} of the {good} leads they accepted without marking it."
    )


def _listed(rule: RuleFacts, evidence: list[Evidence]) -> str:
    listed = {str(v).lower() for v in rule.value or []} if isinstance(rule.value, list | tuple) else set()
    wrong, good = sum(e.wrong for e in evidence), sum(e.good for e in evidence)
    if wrong < MIN_MARKS or good == 0:
        return ""
    excluding = rule.operator == "not_in"
    best = None
    for item in evidence:
        on_list = str(item.value).lower() in listed
        # Drop a value from an "is one of" list (never its last one), or add one to an exclusion list.
        if (excluding and on_list) or (not excluding and (not on_list or len(listed) < 2)):
            continue
        if _worth(item.wrong, wrong, item.good, good):
            score = item.wrong / wrong - item.good / good
            if best is None or score > best[0]:
                best = (score, item)
    if best is None:
        return ""
    item = best[1]
    verb = f"Exclude {item.label} too" if excluding else f"Drop {item.label} from the list"
    return (
        f"{verb}: {item.wrong} of the {wrong} leads where reps marked this rule wrong were {item.label}, "
        f"against {item.good} of the {good} leads they accepted without marking it."
    )


def _action(rule: RuleFacts) -> str:
    if rule.attribute == "engagement":
        return "Raise the engagement score it asks for, or shorten its window"
    if rule.attribute == "content":
        return "Count only content that shows buying intent (pricing, demo, case studies)"
    if rule.operator == "known":
        return {"budget": "Ask for a minimum budget instead of any stated budget",
                "pain_point": "Name the pain points that count instead of any stated one"}.get(
            rule.attribute, "Ask for a specific value instead of any"
        )  # fmt: skip
    return {
        "in": "Narrow the list",
        "any_of": "Narrow the list",
        "not_in": "Exclude more values",
        "gte": "Raise the minimum",
        "lte": "Lower the maximum",
        "between": "Narrow the range",
    }.get(rule.operator, "Tighten it")


def _generic(rule: RuleFacts, marks: Marks) -> str:
    rejected_share = marks.wrong_rejected / marks.rejected if marks.rejected else 0
    accepted_share = marks.wrong_accepted / marks.accepted if marks.accepted else 0
    if marks.accepted and accepted_share > rejected_share:
        # Marked wrong mostly on leads sales wanted: the rule stands in the way, it does not let bad leads in.
        action = "Loosen it or drop it" if rule.required else f"Lower its weight (now {rule.weight}) or drop it"
        evidence = f"marked wrong on {_pct(marks.wrong_accepted, marks.accepted)} of accepted leads " \
                   f"({marks.wrong_accepted} of {marks.accepted})"  # fmt: skip
    else:
        alternative = ", or make it a weighted rule" if rule.required else f", or lower its weight (now {rule.weight})"
        action = f"{_action(rule)}{alternative}"
        if marks.rejected:
            evidence = f"marked wrong on {_pct(marks.wrong_rejected, marks.rejected)} of rejected leads " \
                       f"({marks.wrong_rejected} of {marks.rejected})"  # fmt: skip
        else:
            evidence = (
                f"marked wrong in {_pct(marks.wrong, marks.verdicts)} of verdicts ({marks.wrong} of {marks.verdicts})"
            )
    return f"{action} — {evidence}."
