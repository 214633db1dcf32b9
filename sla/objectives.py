"""What each SLA metric means, which side owes it, and the promise in plain words. Pure."""

from decimal import Decimal

MARKETING_METRICS = ("mqls_delivered", "mql_acceptance", "handoffs_meeting_criteria")
SALES_METRICS = ("response_time", "first_touch_time", "follow_ups", "leads_worked", "close_rate")
CLOCK_METRICS = ("response_time", "first_touch_time", "follow_ups")
PERIOD_WORDS = {"week": "each week", "month": "each month", "quarter": "each quarter"}


def side_of(metric: str) -> str:
    return "marketing" if metric in MARKETING_METRICS else "sales"


def _number(value) -> str:
    value = Decimal(value)
    return f"{value:,.0f}" if value == value.to_integral() else f"{value:,.1f}"


def statement(*, metric: str, target, period: str, hours: int | None = None, count: int | None = None,
              days: int | None = None) -> str:  # fmt: skip
    """The promise as everyone reads it, e.g. "Sales answers every hand-off within 4 business hours
    (at least 90% of hand-offs each month)"."""
    share = f"at least {_number(target)}%"
    each = PERIOD_WORDS[period]
    match metric:
        case "mqls_delivered":
            return f"Marketing delivers at least {_number(target)} qualified leads {each}."
        case "mql_acceptance":
            return f"Sales accepts {share} of the leads marketing hands off, {each}."
        case "handoffs_meeting_criteria":
            return f"{share.capitalize()} of hand-offs meet the signed lead criteria, {each}."
        case "response_time":
            return f"Sales accepts or rejects a hand-off within {hours} business hours ({share} of hand-offs {each})."
        case "first_touch_time":
            return f"Sales first contacts an accepted lead within {hours} business hours ({share} {each})."
        case "follow_ups":
            return f"Sales makes at least {count} follow-ups within {days} days of accepting ({share} {each})."
        case "leads_worked":
            return f"Sales works {share} of the leads it accepts, {each}."
        case "close_rate":
            return f"Sales closes {share} of the leads it finishes as won, {each}."
    raise ValueError(f"unknown metric {metric}")


# The traffic light of an objective's figure. Amber is "close": short of the target by at most this
# share of it (a target of 90% turns amber from 81%, a target of 60 MQLs from 54).
CLOSE_TO_TARGET = 0.10


def traffic_light(*, value: float | None, target: float, pace: float = 1.0) -> str:
    """green: the target is met; amber: missed by at most 10% of the target; red: missed by more;
    none: nothing to measure yet. `pace` scales a count target to the part of a running period gone
    by (60 MQLs a month, ten days into a thirty-day month: 20 by now is on target)."""
    if value is None:
        return "none"
    goal = float(target) * pace
    if value >= goal:
        return "green"
    if value >= goal * (1 - CLOSE_TO_TARGET):
        return "amber"
    return "red"


TERMS = ("target", "period", "hours", "count", "days", "statement")


def changes(old: list[dict], new: list[dict]) -> list[dict]:
    """What a version changes from another: objectives added, removed, or with other terms. The n-th
    objective on a metric in one is matched with the n-th on the same metric in the other."""

    def keyed(objectives: list[dict]) -> dict[tuple[str, int], dict]:
        seen: dict[str, int] = {}
        found = {}
        for objective in objectives:
            n = seen[objective["metric"]] = seen.get(objective["metric"], -1) + 1
            found[(objective["metric"], n)] = objective
        return found

    before, after = keyed(old), keyed(new)
    found = []
    for key, objective in after.items():
        was = before.get(key)
        if was is None:
            found.append({"kind": "added", "text": objective["statement"]})
        elif any(str(was.get(term) or "") != str(objective.get(term) or "") for term in TERMS):
            found.append({"kind": "changed", "text": objective["statement"], "was": was["statement"]})
    found += [{"kind": "removed", "text": o["statement"]} for key, o in before.items() if key not in after]
    return found


def short_label(metric: str, *, hours: int | None = None, count: int | None = None, days: int | None = None) -> str:
    """A column heading or a clock's name: "Answered in 4 h", "3 follow-ups in 10 days"."""
    match metric:
        case "mqls_delivered":
            return "MQLs delivered"
        case "mql_acceptance":
            return "Accepted"
        case "handoffs_meeting_criteria":
            return "Meeting criteria"
        case "response_time":
            return f"Answered in {hours} h" if hours else "Answered in time"
        case "first_touch_time":
            return f"First touch in {hours} h" if hours else "First touch in time"
        case "follow_ups":
            return f"{count} follow-ups in {days} days" if count and days else "Follow-ups in time"
        case "leads_worked":
            return "Worked"
        case "close_rate":
            return "Close rate"
    return metric
