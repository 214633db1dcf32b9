"""Engagement score: weighted touches that fade with age. Pure and ORM-free.

A touch is worth its kind's weight on the day it happens, half of it HALF_LIFE_DAYS later, and
nothing after HORIZON_DAYS. The score is the sum, rounded to one decimal.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

WEIGHTS: dict[str, float] = {
    "email_open": 0.5,
    "view": 1.0,
    "click": 2.0,
    "download": 5.0,
    "form_submit": 8.0,
    "attend": 10.0,
    "reply": 10.0,
    "demo_request": 20.0,
}
HALF_LIFE_DAYS = 30.0
HORIZON_DAYS = 365
HORIZON = timedelta(days=HORIZON_DAYS)


@dataclass(frozen=True)
class Touch:
    kind: str
    occurred_at: datetime


@dataclass(frozen=True)
class ScorePart:
    kind: str
    touches: int
    points: float


def touch_points(touch: Touch, now: datetime) -> float:
    age_days = max((now - touch.occurred_at).total_seconds(), 0.0) / 86400
    if age_days > HORIZON_DAYS:
        return 0.0
    return WEIGHTS.get(touch.kind, 0.0) * 0.5 ** (age_days / HALF_LIFE_DAYS)


def engagement_score(touches: Iterable[Touch], now: datetime, *, since: datetime | None = None) -> float:
    """The score at `now`; with `since`, only touches from then on count (a criteria rule's window)."""
    return round(float(sum(touch_points(t, now) for t in touches if since is None or t.occurred_at >= since)), 1)


def score_parts(touches: Iterable[Touch], now: datetime) -> list[ScorePart]:
    """The score broken down by kind of touch, biggest share first: what the lead page shows."""
    counts: dict[str, int] = {}
    points: dict[str, float] = {}
    for touch in touches:
        counts[touch.kind] = counts.get(touch.kind, 0) + 1
        points[touch.kind] = points.get(touch.kind, 0.0) + touch_points(touch, now)
    parts = [ScorePart(kind, counts[kind], round(points[kind], 1)) for kind in counts]
    return sorted(parts, key=lambda part: (-part.points, part.kind))
