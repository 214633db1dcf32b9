"""The business-hours clock SLA deadlines run on. Pure and ORM-free.

An organization works on its business days (chosen weekdays, minus its holidays) from `start` to
`end` on its own wall clock. Each business day is one window of real time, [opening, closing): the
clock runs inside windows and stands still between them. Everything is computed in real (UTC) time,
so a business day on which the clocks change inside business hours is an hour shorter or longer.

Wall-clock times that happen never or twice (DST gaps and folds) are read by one rule: a window's
boundary is the first instant the wall clock shows that time or later on that day. So a boundary in
a spring-forward gap (02:30 when the clocks jump from 02:00 to 03:00) falls at the jump itself, and a
boundary in an autumn fold (02:30 shown twice) is its first showing. Windows stay in order and never
overlap; a window entirely inside a gap is empty and skipped.

Windows are half-open: the closing moment itself is outside business hours. An event outside hours
starts counting at the next opening, and a deadline that falls exactly at a closing stays there
(Monday 09:00 plus 8 hours of a 9-17 day is Monday 17:00, not Tuesday 09:00). Adding zero time gives
the next business moment, which is the start itself when that is inside hours.

The clocks walk day by day, never minute by minute, and remember the windows they have worked out.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holiday_calendars

ONE_DAY = timedelta(days=1)
ONE_SECOND = timedelta(seconds=1)
ZERO = timedelta(0)


@dataclass(frozen=True)
class BusinessHours:
    zone: ZoneInfo
    days: frozenset[int]  # Monday = 0
    start: time
    end: time
    holidays: frozenset[date] = frozenset()  # local dates off: the org's own and the public ones

    def __post_init__(self):
        object.__setattr__(self, "days", frozenset(self.days))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if not self.days:
            raise ValueError("Business hours need at least one business day.")
        if not self.days <= frozenset(range(7)):
            raise ValueError(f"Business days are weekdays 0 (Monday) to 6 (Sunday), not {sorted(self.days)}.")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("Business hours are local wall-clock times: give them without a time zone.")
        if self.end <= self.start:
            raise ValueError(f"A business day must end after it starts ({self.start} to {self.end}).")

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays


def public_holidays(country: str, years: Iterable[int], *, subdiv: str | None = None) -> frozenset[date]:
    """The public holidays of a country (ISO code, optionally a region such as "BY") in those years.

    Ask for every year a clock may run into (this one and the next): dates outside them are not off.
    """
    if not country:
        return frozenset()
    try:
        calendar = holiday_calendars.country_holidays(country.upper(), subdiv=subdiv, years=list(years))
    except NotImplementedError as error:  # what the holidays package raises for a country or region it lacks
        raise ValueError(str(error)) from error
    return frozenset(calendar)


def is_business_time(moment: datetime, hours: BusinessHours) -> bool:
    instant = _utc(moment)
    return _next_business_instant(instant, hours) == instant


def next_business_moment(moment: datetime, hours: BusinessHours) -> datetime:
    """The moment itself when inside business hours, otherwise the next opening."""
    return _aware(_next_business_instant(_utc(moment), hours))


def add_business_time(start: datetime, duration: timedelta, hours: BusinessHours) -> datetime:
    """The deadline: the moment `duration` of business time has passed since `start`."""
    if duration < ZERO:
        raise ValueError(f"A duration of business time cannot be negative ({duration}).")
    instant = _utc(start)
    remaining = duration
    day = _local_date(start, hours.zone)
    while True:
        if hours.is_business_day(day):
            opening, closing = _window(hours.zone, day, hours.start, hours.end)
            begin = max(opening, instant)
            if closing > begin:
                if remaining <= closing - begin:  # `<=`: a deadline exactly at closing stays there
                    return _aware(begin + remaining)
                remaining -= closing - begin
        day += ONE_DAY


def business_time_between(start: datetime, end: datetime, hours: BusinessHours) -> timedelta:
    """Business time elapsed from `start` to `end`; nothing when `end` is not after `start`."""
    first, last = _utc(start), _utc(end)
    elapsed = ZERO
    day = _local_date(start, hours.zone)
    while first < last:
        if hours.is_business_day(day):
            opening, closing = _window(hours.zone, day, hours.start, hours.end)
            if opening >= last:
                break
            if closing > first:
                elapsed += min(closing, last) - max(opening, first)
        day += ONE_DAY
    return elapsed


def _next_business_instant(instant: datetime, hours: BusinessHours) -> datetime:
    day = _local_date(_aware(instant), hours.zone)
    while True:
        if hours.is_business_day(day):
            opening, closing = _window(hours.zone, day, hours.start, hours.end)
            if closing > instant and closing > opening:
                return max(opening, instant)
        day += ONE_DAY


# Internally instants are naive UTC datetimes: their arithmetic is exact and needs no offset lookups.
def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"The business-hours clock needs aware datetimes, not naive {moment.isoformat()}.")
    return moment.astimezone(UTC).replace(tzinfo=None)


def _aware(instant: datetime) -> datetime:
    return instant.replace(tzinfo=UTC)


def _local_date(moment: datetime, zone: ZoneInfo) -> date:
    # Every window of an earlier date closes before the first instant this date is shown, so none of
    # them can contain or follow `moment`: walking from here misses nothing.
    return moment.astimezone(zone).date()


@lru_cache(maxsize=1 << 16)
def _window(zone: ZoneInfo, day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """A business day's opening and closing in naive UTC (remembered: sweeps ask for the same days)."""
    return _first_showing(zone, datetime.combine(day, start)), _first_showing(zone, datetime.combine(day, end))


def _first_showing(zone: ZoneInfo, wall: datetime) -> datetime:
    """The first instant (naive UTC) the wall clock of `zone` shows `wall` or later."""
    # fold=0 is the first of two showings in a fold; in a gap it reads the time with the offset
    # from before the jump, which lands after the jump.
    local = wall.replace(tzinfo=zone)
    after = local.astimezone(UTC)
    if after.astimezone(zone).replace(tzinfo=None) == wall:
        return after.replace(tzinfo=None)
    # `wall` is in a gap: the jump lies between the readings with the offset from after it (fold=1,
    # before the jump) and from before it. Transitions fall on whole seconds: bisect for the jump.
    before = local.replace(fold=1).astimezone(UTC).replace(microsecond=0)
    shown_before = before.astimezone(zone).utcoffset()
    low, high = 0, -(-(after - before) // ONE_SECOND)  # the jump is after low and at or before high
    while high - low > 1:
        middle = (low + high) // 2
        if (before + middle * ONE_SECOND).astimezone(zone).utcoffset() == shown_before:
            low = middle
        else:
            high = middle
    return (before + high * ONE_SECOND).replace(tzinfo=None)
