"""Reporting periods (week, month, quarter) in the organization's time zone. Pure."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def period_start(kind: str, day: date) -> date:
    if kind == "week":
        return day - timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    if kind == "quarter":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    raise ValueError(f"unknown period {kind}")


def next_period_start(kind: str, start: date) -> date:
    if kind == "week":
        return start + timedelta(days=7)
    months = 1 if kind == "month" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def previous_period_starts(kind: str, day: date, count: int) -> list[date]:
    """The starts of the `count` periods up to and including the one holding `day`, oldest first."""
    starts = [period_start(kind, day)]
    while len(starts) < count:
        starts.insert(0, period_start(kind, starts[0] - timedelta(days=1)))
    return starts


def bounds(kind: str, start: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The period as [from, to) instants: local midnights in the organization's zone."""
    return (
        datetime.combine(start, time(), tzinfo=zone),
        datetime.combine(next_period_start(kind, start), time(), tzinfo=zone),
    )
