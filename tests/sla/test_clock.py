from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.clock import (
    BusinessHours,
    add_business_time,
    business_time_between,
    is_business_time,
    next_business_moment,
    public_holidays,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
DUBAI = ZoneInfo("Asia/Dubai")
APIA = ZoneInfo("Pacific/Apia")  # skipped Friday 30 December 2011 to move west of the date line
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))


def office(zone=BERLIN, start=time(9), end=time(17), days=WEEKDAYS, holidays=frozenset()) -> BusinessHours:
    return BusinessHours(zone, frozenset(days), start, end, frozenset(holidays))


def b(*args, fold=0) -> datetime:
    return datetime(*args, tzinfo=BERLIN, fold=fold)


def ny(*args, fold=0) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK, fold=fold)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def days_between(first: date, last: date) -> frozenset[date]:
    return frozenset(first + timedelta(days=n) for n in range((last - first).days + 1))


BERLIN_OFFICE = office()  # 9-17, Monday to Friday: 8 hours a day, 40 a week
GERMAN_OFFICE = office(holidays=public_holidays("DE", [2026, 2027]))
# Closed from Christmas Eve to New Year's Day, with the public holidays of both years.
CHRISTMAS_BREAK = office(
    holidays=public_holidays("DE", [2026, 2027]) | days_between(date(2026, 12, 24), date(2027, 1, 1))
)
US_OFFICE = office(NEW_YORK, holidays=public_holidays("US", [2026]))
US_LATE_SHIFT = office(NEW_YORK, time(12), time(23))  # its evenings are already the next day in UTC
# Working 00:00-06:00 every day: the DST changes at 02:00/03:00 fall inside business hours.
BERLIN_NIGHTS = office(start=time(0), end=time(6), days=EVERY_DAY)
NEW_YORK_NIGHTS = office(NEW_YORK, time(0), time(6), EVERY_DAY)
# Opening at 02:30, every day: a time that does not exist in March and happens twice in October.
BERLIN_EARLY = office(start=time(2, 30), end=time(10), days=EVERY_DAY)
# 02:15-02:45 every day: on the spring-change Sunday the clocks skip the whole business day.
BERLIN_IN_THE_GAP = office(start=time(2, 15), end=time(2, 45), days=EVERY_DAY)
SEVEN_DAYS = office(days=EVERY_DAY)
KOLKATA_OFFICE = office(KOLKATA, time(9, 30), time(18))
DUBAI_OFFICE = office(DUBAI, days={6, 0, 1, 2, 3})  # Sunday to Thursday
WEDNESDAYS = office(days={2})
APIA_OFFICE = office(APIA)


@pytest.mark.parametrize(
    ("case", "hours", "start", "duration", "deadline"),
    [
        ("nothing from inside hours is now", BERLIN_OFFICE, b(2026, 6, 8, 10), h(0), b(2026, 6, 8, 10)),
        ("from exactly the opening", BERLIN_OFFICE, b(2026, 6, 8, 9), h(1), b(2026, 6, 8, 10)),
        ("from exactly the closing counts from next morning", BERLIN_OFFICE, b(2026, 6, 8, 17), h(1),
         b(2026, 6, 9, 10)),
        ("the last second of the day ends at closing", BERLIN_OFFICE, b(2026, 6, 8, 16, 59, 59), s(1),
         b(2026, 6, 8, 17)),
        ("one second more spills into next morning", BERLIN_OFFICE, b(2026, 6, 8, 16, 59, 59), s(2),
         b(2026, 6, 9, 9, 0, 1)),
        ("a whole day from opening ends at closing, not next morning", BERLIN_OFFICE, b(2026, 6, 8, 9), h(8),
         b(2026, 6, 8, 17)),
        ("a whole day and a microsecond", BERLIN_OFFICE, b(2026, 6, 8, 9), h(8) + timedelta(microseconds=1),
         b(2026, 6, 9, 9, 0, 0, 1)),
        ("nothing from the closing is the next opening", BERLIN_OFFICE, b(2026, 6, 8, 17), h(0), b(2026, 6, 9, 9)),
        ("nothing from before opening is the opening", BERLIN_OFFICE, b(2026, 6, 8, 8), h(0), b(2026, 6, 8, 9)),
        ("an early event counts from opening", BERLIN_OFFICE, b(2026, 6, 8, 7), h(1), b(2026, 6, 8, 10)),
        ("an evening event counts from next morning", BERLIN_OFFICE, b(2026, 6, 8, 20), h(2), b(2026, 6, 9, 11)),
        ("friday afternoon runs over the weekend", BERLIN_OFFICE, b(2026, 6, 12, 16), h(2), b(2026, 6, 15, 10)),
        ("a saturday event waits for monday", BERLIN_OFFICE, b(2026, 6, 13, 12), h(1), b(2026, 6, 15, 10)),
        ("sunday night plus nothing is monday opening", BERLIN_OFFICE, b(2026, 6, 14, 23, 59), h(0),
         b(2026, 6, 15, 9)),
        ("a day from friday closing ends monday closing", BERLIN_OFFICE, b(2026, 6, 12, 17), h(8),
         b(2026, 6, 15, 17)),
        ("a working week from monday opening ends friday closing", BERLIN_OFFICE, b(2026, 6, 8, 9), h(40),
         b(2026, 6, 12, 17)),
        ("a working week and a second", BERLIN_OFFICE, b(2026, 6, 8, 9), h(40) + s(1), b(2026, 6, 15, 9, 0, 1)),
        ("a working week from wednesday noon", BERLIN_OFFICE, b(2026, 6, 10, 13), h(40), b(2026, 6, 17, 13)),
        ("three working weeks", BERLIN_OFFICE, b(2026, 6, 8, 9), h(120), b(2026, 6, 26, 17)),
        ("two days from monday ten", BERLIN_OFFICE, b(2026, 6, 8, 10), h(16), b(2026, 6, 10, 10)),
        ("the last half hour", BERLIN_OFFICE, b(2026, 6, 8, 16, 30), h(0.5), b(2026, 6, 8, 17)),
        ("microseconds are kept", BERLIN_OFFICE, b(2026, 6, 8, 9, 0, 0, 500_000), s(0.25),
         b(2026, 6, 8, 9, 0, 0, 750_000)),
        ("a start given in another zone", BERLIN_OFFICE, ny(2026, 6, 8, 3), h(1), b(2026, 6, 8, 10)),
        ("labour day and the weekend", GERMAN_OFFICE, b(2026, 4, 30, 16), h(2), b(2026, 5, 4, 10)),
        ("good friday and easter monday", GERMAN_OFFICE, b(2026, 4, 2, 16), h(2), b(2026, 4, 7, 10)),
        ("an event on christmas day", GERMAN_OFFICE, b(2026, 12, 25, 10), h(1), b(2026, 12, 28, 10)),
        ("a working week with christmas in it", GERMAN_OFFICE, b(2026, 12, 21, 9), h(40), b(2026, 12, 28, 17)),
        ("christmas to new year", CHRISTMAS_BREAK, b(2026, 12, 23, 16), h(2), b(2027, 1, 4, 10)),
        ("two days before the break end on its eve", CHRISTMAS_BREAK, b(2026, 12, 22, 9), h(16),
         b(2026, 12, 23, 17)),
        ("thanksgiving", US_OFFICE, ny(2026, 11, 25, 16), h(2), ny(2026, 11, 27, 10)),
        ("thanksgiving week", US_OFFICE, ny(2026, 11, 23, 9), h(32), ny(2026, 11, 27, 17)),
        ("over berlin's spring change", BERLIN_OFFICE, b(2026, 3, 27, 16), h(2), b(2026, 3, 30, 10)),
        ("over berlin's autumn change", BERLIN_OFFICE, b(2026, 10, 23, 16), h(2), b(2026, 10, 26, 10)),
        ("a change at night leaves a sunday at 8 hours", SEVEN_DAYS, b(2026, 3, 28, 16), h(2), b(2026, 3, 29, 10)),
        ("a whole spring-change sunday", SEVEN_DAYS, b(2026, 3, 29, 9), h(8), b(2026, 3, 29, 17)),
        ("a night shift loses an hour in spring", BERLIN_NIGHTS, b(2026, 3, 29, 0), h(5), b(2026, 3, 29, 6)),
        ("and so spills into the next night", BERLIN_NIGHTS, b(2026, 3, 29, 0), h(6), b(2026, 3, 30, 1)),
        ("the clocks skip two to three", BERLIN_NIGHTS, b(2026, 3, 29, 0), h(2), b(2026, 3, 29, 3)),
        ("a night shift gains an hour in autumn", BERLIN_NIGHTS, b(2026, 10, 25, 0), h(7), b(2026, 10, 25, 6)),
        ("two hours reach the first two o'clock", BERLIN_NIGHTS, b(2026, 10, 25, 0), h(2), b(2026, 10, 25, 2)),
        ("three hours reach the second two o'clock", BERLIN_NIGHTS, b(2026, 10, 25, 0), h(3),
         b(2026, 10, 25, 2, fold=1)),
        ("a new york evening is still that business day", US_LATE_SHIFT, ny(2026, 6, 8, 21), h(1),
         ny(2026, 6, 8, 22)),
        ("over new york's spring change", US_OFFICE, ny(2026, 3, 6, 16), h(2), ny(2026, 3, 9, 10)),
        ("over new york's autumn change", US_OFFICE, ny(2026, 10, 30, 16), h(2), ny(2026, 11, 2, 10)),
        ("a new york night shift loses an hour", NEW_YORK_NIGHTS, ny(2026, 3, 8, 0), h(5), ny(2026, 3, 8, 6)),
        ("a new york night shift gains an hour", NEW_YORK_NIGHTS, ny(2026, 11, 1, 0), h(7), ny(2026, 11, 1, 6)),
        ("an opening that does not exist is at the jump", BERLIN_EARLY, b(2026, 3, 29, 1), h(0), b(2026, 3, 29, 3)),
        ("the day that opened at the jump has 7 hours", BERLIN_EARLY, b(2026, 3, 29, 3), h(7), b(2026, 3, 29, 10)),
        ("and not a second more", BERLIN_EARLY, b(2026, 3, 29, 3), h(7) + s(1), b(2026, 3, 30, 2, 30, 1)),
        ("an opening shown twice is its first showing", BERLIN_EARLY, b(2026, 10, 25, 2), h(0),
         b(2026, 10, 25, 2, 30)),
        ("the day that opened at the first showing has 8.5 hours", BERLIN_EARLY, b(2026, 10, 25, 2, 30), h(8.5),
         b(2026, 10, 25, 10)),
        ("a time before opening shown again after it is inside hours", BERLIN_EARLY, b(2026, 10, 25, 2, 15, fold=1),
         h(0), b(2026, 10, 25, 2, 15, fold=1)),
        ("a day the clocks skip whole is skipped", BERLIN_IN_THE_GAP, b(2026, 3, 28, 2, 44), s(120),
         b(2026, 3, 30, 2, 16)),
        ("nothing on a skipped day is the next day's opening", BERLIN_IN_THE_GAP, b(2026, 3, 29, 1), h(0),
         b(2026, 3, 30, 2, 15)),
        ("no daylight saving in kolkata", KOLKATA_OFFICE, datetime(2026, 3, 27, 17, tzinfo=KOLKATA), h(2),
         datetime(2026, 3, 30, 10, 30, tzinfo=KOLKATA)),
        ("a sunday-to-thursday week", DUBAI_OFFICE, datetime(2026, 6, 11, 16, tzinfo=DUBAI), h(2),
         datetime(2026, 6, 14, 10, tzinfo=DUBAI)),
        ("one business day a week", WEDNESDAYS, b(2026, 6, 10, 16), h(2), b(2026, 6, 17, 10)),
        ("a friday the zone skipped", APIA_OFFICE, datetime(2011, 12, 29, 16, tzinfo=APIA), h(2),
         datetime(2012, 1, 2, 10, tzinfo=APIA)),
    ],
)  # fmt: skip
def test_a_deadline_counts_only_business_time(case, hours, start, duration, deadline):
    assert add_business_time(start, duration, hours) == deadline.astimezone(UTC)


@pytest.mark.parametrize(
    ("case", "hours", "start", "end", "elapsed"),
    [
        ("no time at all", BERLIN_OFFICE, b(2026, 6, 8, 10), b(2026, 6, 8, 10), h(0)),
        ("an end before the start", BERLIN_OFFICE, b(2026, 6, 8, 12), b(2026, 6, 8, 10), h(0)),
        ("a working day", BERLIN_OFFICE, b(2026, 6, 8, 9), b(2026, 6, 8, 17), h(8)),
        ("a calendar day", BERLIN_OFFICE, b(2026, 6, 8), b(2026, 6, 9), h(8)),
        ("a night", BERLIN_OFFICE, b(2026, 6, 8, 17), b(2026, 6, 9, 9), h(0)),
        ("a weekend", BERLIN_OFFICE, b(2026, 6, 12, 17), b(2026, 6, 15, 9), h(0)),
        ("over a weekend", BERLIN_OFFICE, b(2026, 6, 12, 16), b(2026, 6, 15, 10), h(2)),
        ("across a closing", BERLIN_OFFICE, b(2026, 6, 8, 16, 59, 59), b(2026, 6, 8, 17, 0, 1), s(1)),
        ("a week", BERLIN_OFFICE, b(2026, 6, 8), b(2026, 6, 15), h(40)),
        ("four weeks from wednesday noon", BERLIN_OFFICE, b(2026, 6, 10, 12), b(2026, 7, 8, 12), h(160)),
        ("labour day", GERMAN_OFFICE, b(2026, 4, 30, 9), b(2026, 5, 4, 9), h(8)),
        ("december with christmas", GERMAN_OFFICE, b(2026, 12, 1), b(2027, 1, 1), h(22 * 8)),
        ("up to the christmas break", CHRISTMAS_BREAK, b(2026, 12, 21, 9), b(2027, 1, 4, 9), h(24)),
        ("thanksgiving week", US_OFFICE, ny(2026, 11, 23), ny(2026, 11, 30), h(32)),
        ("the week new york's clocks spring forward", US_OFFICE, ny(2026, 3, 2), ny(2026, 3, 9), h(40)),
        ("the 167-hour week of berlin's spring change", BERLIN_OFFICE, b(2026, 3, 23), b(2026, 3, 30), h(40)),
        ("a night shift in spring", BERLIN_NIGHTS, b(2026, 3, 29), b(2026, 3, 30), h(5)),
        ("a night shift in autumn", BERLIN_NIGHTS, b(2026, 10, 25), b(2026, 10, 26), h(7)),
        ("up to the second two o'clock", BERLIN_NIGHTS, b(2026, 10, 25), b(2026, 10, 25, 2, fold=1), h(3)),
        ("a new york evening and the next day", US_LATE_SHIFT, ny(2026, 6, 8, 21), ny(2026, 6, 9, 13), h(3)),
        ("a new york night shift in spring", NEW_YORK_NIGHTS, ny(2026, 3, 8), ny(2026, 3, 9), h(5)),
        ("a new york night shift in autumn", NEW_YORK_NIGHTS, ny(2026, 11, 1), ny(2026, 11, 2), h(7)),
        ("a day that opens in the gap", BERLIN_EARLY, b(2026, 3, 29), b(2026, 3, 30), h(7)),
        ("a day the clocks skip whole", BERLIN_IN_THE_GAP, b(2026, 3, 29), b(2026, 3, 30), h(0)),
        ("a day that opens in the fold", BERLIN_EARLY, b(2026, 10, 25), b(2026, 10, 26), h(8.5)),
        ("start and end in different zones", BERLIN_OFFICE, ny(2026, 6, 8, 3), utc(2026, 6, 8, 15), h(8)),
        ("the week apia skipped a friday", APIA_OFFICE, datetime(2011, 12, 26, tzinfo=APIA),
         datetime(2012, 1, 2, tzinfo=APIA), h(32)),
    ],
)  # fmt: skip
def test_elapsed_business_time_counts_only_business_hours(case, hours, start, end, elapsed):
    assert business_time_between(start, end, hours) == elapsed


@pytest.mark.parametrize(
    ("case", "hours", "moment", "inside"),
    [
        ("the opening", BERLIN_OFFICE, b(2026, 6, 8, 9), True),
        ("just before opening", BERLIN_OFFICE, b(2026, 6, 8, 8, 59, 59, 999_999), False),
        ("just before closing", BERLIN_OFFICE, b(2026, 6, 8, 16, 59, 59, 999_999), True),
        ("the closing", BERLIN_OFFICE, b(2026, 6, 8, 17), False),
        ("a saturday", BERLIN_OFFICE, b(2026, 6, 13, 12), False),
        ("christmas day without the holiday calendar", BERLIN_OFFICE, b(2026, 12, 25, 12), True),
        ("christmas day with it", GERMAN_OFFICE, b(2026, 12, 25, 12), False),
        ("the jump of an opening in the gap", BERLIN_EARLY, utc(2026, 3, 29, 1), True),
        ("a second before that jump", BERLIN_EARLY, utc(2026, 3, 29, 0, 59, 59), False),
        ("the jump on a day the clocks skip whole", BERLIN_IN_THE_GAP, utc(2026, 3, 29, 1), False),
        ("before opening, first showing", BERLIN_EARLY, b(2026, 10, 25, 2, 15), False),
        ("before opening, second showing", BERLIN_EARLY, b(2026, 10, 25, 2, 15, fold=1), True),
        ("the last minute of a long autumn night", BERLIN_NIGHTS, b(2026, 10, 25, 5, 59), True),
        ("a new york evening, already tomorrow in utc", US_LATE_SHIFT, ny(2026, 6, 8, 21), True),
        ("noon in new york is 18:00 in berlin", BERLIN_OFFICE, ny(2026, 6, 8, 12), False),
    ],
)  # fmt: skip
def test_business_time_is_inside_a_business_days_window(case, hours, moment, inside):
    assert is_business_time(moment, hours) is inside


@pytest.mark.parametrize(
    ("case", "hours", "moment", "expected"),
    [
        ("inside hours it is the moment itself", BERLIN_OFFICE, b(2026, 6, 8, 10), b(2026, 6, 8, 10)),
        ("at closing it is next morning", BERLIN_OFFICE, b(2026, 6, 8, 17), b(2026, 6, 9, 9)),
        ("at night it is the same morning", BERLIN_OFFICE, b(2026, 6, 8, 3), b(2026, 6, 8, 9)),
        ("on friday evening it is monday", BERLIN_OFFICE, b(2026, 6, 12, 18), b(2026, 6, 15, 9)),
        ("on christmas eve it is after christmas", GERMAN_OFFICE, b(2026, 12, 24, 18), b(2026, 12, 28, 9)),
        ("before the christmas break it is after new year", CHRISTMAS_BREAK, b(2026, 12, 23, 17), b(2027, 1, 4, 9)),
        ("before an opening in the gap it is the jump", BERLIN_EARLY, b(2026, 3, 28, 23), utc(2026, 3, 29, 1)),
        ("a day the clocks skip whole is passed over", BERLIN_IN_THE_GAP, b(2026, 3, 28, 23), b(2026, 3, 30, 2, 15)),
    ],
)  # fmt: skip
def test_the_next_business_moment_is_now_or_the_next_opening(case, hours, moment, expected):
    assert next_business_moment(moment, hours) == expected


def test_every_answer_is_in_utc():
    start = b(2026, 6, 8, 10)
    assert add_business_time(start, h(1), BERLIN_OFFICE).tzinfo is UTC
    assert next_business_moment(start, BERLIN_OFFICE).tzinfo is UTC


@pytest.mark.parametrize(
    "call",
    [
        lambda: add_business_time(datetime(2026, 6, 8, 10), h(1), BERLIN_OFFICE),
        lambda: business_time_between(datetime(2026, 6, 8, 10), b(2026, 6, 9), BERLIN_OFFICE),
        lambda: business_time_between(b(2026, 6, 8, 10), datetime(2026, 6, 9), BERLIN_OFFICE),
        lambda: is_business_time(datetime(2026, 6, 8, 10), BERLIN_OFFICE),
        lambda: next_business_moment(datetime(2026, 6, 8, 10), BERLIN_OFFICE),
        lambda: add_business_time(b(2026, 6, 8, 10), h(-1), BERLIN_OFFICE),
    ],
)
def test_naive_datetimes_and_negative_durations_are_refused(call):
    with pytest.raises(ValueError):  # noqa: PT011 - each message names the bad input; the type is the contract
        call()


@pytest.mark.parametrize(
    ("days", "start", "end", "message"),
    [
        (frozenset(), time(9), time(17), "at least one business day"),
        (WEEKDAYS, time(17), time(9), "must end after it starts"),
        (WEEKDAYS, time(9), time(9), "must end after it starts"),
        ({0, 7}, time(9), time(17), "weekdays 0 \\(Monday\\) to 6"),
        (WEEKDAYS, time(9, tzinfo=UTC), time(17), "without a time zone"),
    ],
)
def test_invalid_business_hours_are_refused_when_made(days, start, end, message):
    with pytest.raises(ValueError, match=message):
        BusinessHours(BERLIN, days, start, end)


def test_business_hours_accept_plain_sets_and_stay_hashable():
    hours = BusinessHours(BERLIN, {0, 1}, time(9), time(17), {date(2026, 12, 25)})
    assert hours.days == frozenset({0, 1}) and hash(hours) == hash(office(days={0, 1}, holidays={date(2026, 12, 25)}))


def test_german_public_holidays_include_christmas_and_labour_day_but_not_christmas_eve():
    days = public_holidays("DE", [2026])
    assert {date(2026, 12, 25), date(2026, 12, 26), date(2026, 5, 1), date(2026, 10, 3)} <= days
    assert date(2026, 12, 24) not in days and date(2026, 6, 8) not in days


def test_us_public_holidays_follow_thanksgiving_each_year():
    days = public_holidays("us", range(2026, 2028))
    assert {date(2026, 11, 26), date(2027, 11, 25), date(2026, 7, 4)} <= days
    assert date(2026, 11, 27) not in days


def test_a_region_adds_its_own_holidays():
    assert date(2026, 1, 6) in public_holidays("DE", [2026], subdiv="BY")
    assert date(2026, 1, 6) not in public_holidays("DE", [2026])


def test_no_country_means_no_public_holidays_and_an_unknown_one_is_refused():
    assert public_holidays("", [2026]) == frozenset()
    with pytest.raises(ValueError, match="XX"):
        public_holidays("XX", [2026])
    with pytest.raises(ValueError, match="XX"):
        public_holidays("DE", [2026], subdiv="XX")


def test_a_public_holiday_is_a_whole_day_off():
    may_day = GERMAN_OFFICE
    assert not any(is_business_time(b(2026, 5, 1, hour), may_day) for hour in range(24))
    assert business_time_between(b(2026, 5, 1), b(2026, 5, 2), may_day) == h(0)
    assert business_time_between(ny(2026, 11, 26), ny(2026, 11, 27), US_OFFICE) == h(0)
    assert business_time_between(ny(2026, 11, 27), ny(2026, 11, 28), US_OFFICE) == h(8)


# Properties, over several years, random business hours and holidays, and zones with and without
# daylight saving; most moments in DST zones are drawn within days of one of its changes.
ZONES = ["UTC", "Asia/Kolkata", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago"]
FIRST, LAST = date(2024, 1, 1), date(2028, 12, 31)


def _changes(zone: ZoneInfo) -> list[datetime]:
    """The UTC midnights in FIRST..LAST after which the zone's offset differs by the next one."""
    days = [datetime.combine(FIRST + timedelta(days=n), time(), UTC) for n in range((LAST - FIRST).days)]
    offsets = [day.astimezone(zone).utcoffset() for day in days]
    return [day for day, offset, following in zip(days, offsets, offsets[1:], strict=False) if offset != following]


CHANGES = {name: _changes(ZoneInfo(name)) for name in ZONES}
# Wall-clock times inside or at the edges of each zone's DST gaps and folds: business hours that open
# or close there are drawn often, other ones on any minute.
TRICKY = {
    "Europe/Berlin": [time(2), time(2, 30), time(3)],
    "America/New_York": [time(1), time(1, 30), time(2), time(2, 30), time(3)],
    "Australia/Lord_Howe": [time(1, 30), time(1, 45), time(2), time(2, 15), time(2, 30)],
    "America/Santiago": [time(0), time(0, 30), time(1), time(23), time(23, 30)],
}


@st.composite
def business_hours(draw, zones=ZONES, with_holidays=True) -> BusinessHours:
    zone = draw(st.sampled_from(zones))
    wall_times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
    if zone in TRICKY:
        wall_times = st.one_of(st.sampled_from([time(0), *TRICKY[zone]]), wall_times)
    start, end = sorted(draw(st.lists(wall_times, min_size=2, max_size=2, unique=True)))
    holidays = frozenset()
    if with_holidays:
        holidays = frozenset(draw(st.lists(st.dates(FIRST, LAST), max_size=20)))
        run_start, run_length = draw(st.dates(FIRST, LAST)), draw(st.integers(0, 20))
        holidays |= days_between(run_start, run_start + timedelta(days=run_length))
    days = draw(st.one_of(st.just(EVERY_DAY), st.frozensets(st.integers(0, 6), min_size=1)))
    return BusinessHours(ZoneInfo(zone), days, start, end, holidays)


def moments(zone: ZoneInfo) -> st.SearchStrategy[datetime]:
    anywhere = st.datetimes(datetime(2024, 1, 1), datetime(2028, 12, 31), timezones=st.just(UTC))
    if not CHANGES[zone.key]:
        return anywhere
    near_a_change = st.builds(
        lambda day, seconds: day + timedelta(seconds=seconds),
        st.sampled_from(CHANGES[zone.key]),
        st.integers(-2 * 86400, 86400),  # mostly before: deadlines and spans then run over the change
    )
    return st.one_of(anywhere, near_a_change, near_a_change)


@st.composite
def clocks(draw, count=1, **hours_options) -> tuple:
    """Business hours and `count` moments in order, with hours at least 30 minutes long.

    Moments after the first are mostly within weeks of it, as an SLA clock's are, sometimes years away.
    """
    hours = draw(business_hours(**hours_options).filter(lambda hours: day_length(hours) >= timedelta(minutes=30)))
    first = draw(moments(hours.zone))
    nearby = st.integers(-45 * 86400, 45 * 86400).map(lambda seconds: first + s(seconds))
    return hours, *sorted([first, *(draw(st.one_of(nearby, moments(hours.zone))) for _ in range(count - 1))])


def day_length(hours: BusinessHours) -> timedelta:
    return datetime.combine(FIRST, hours.end) - datetime.combine(FIRST, hours.start)


durations = st.one_of(
    st.integers(0, 120 * 3600).map(s),
    st.integers(0, 120 * 3600 * 10**6).map(lambda us: timedelta(microseconds=us)),
)
properties = settings(deadline=None, max_examples=75)


@properties
@given(clocks(), durations)
def test_elapsed_time_to_a_deadline_is_the_duration_added(clock, duration):
    hours, start = clock
    assert business_time_between(start, add_business_time(start, duration, hours), hours) == duration


@properties
@given(clocks(), durations)
def test_a_deadline_is_inside_business_hours_or_exactly_at_a_closing(clock, duration):
    hours, start = clock
    deadline = add_business_time(start, duration, hours)
    assert deadline >= start
    inside = is_business_time(deadline, hours)
    at_closing = (
        not inside and duration > timedelta(0) and is_business_time(deadline - timedelta(microseconds=1), hours)
    )
    assert inside or at_closing


@properties
@given(clocks(count=3))
def test_elapsed_time_adds_up_over_consecutive_spans(clock):
    hours, early, middle, late = clock
    assert business_time_between(early, middle, hours) + business_time_between(
        middle, late, hours
    ) == business_time_between(early, late, hours)


@properties
@given(clocks(count=2))
def test_elapsed_time_grows_with_the_end_and_never_exceeds_real_time(clock):
    hours, start, end = clock
    assert timedelta(0) <= business_time_between(start, end, hours) <= end - start
    assert business_time_between(end, start, hours) == timedelta(0)
    assert business_time_between(start, end, hours) <= business_time_between(start, end + h(5), hours)


@properties
@given(clocks(count=2))
def test_no_business_time_passes_exactly_when_the_next_business_moment_is_not_before_the_end(clock):
    hours, start, end = clock
    assert (business_time_between(start, end, hours) == timedelta(0)) == (next_business_moment(start, hours) >= end)


@properties
@given(clocks(), durations, durations)
def test_a_longer_duration_gives_a_later_deadline(clock, first, second):
    hours, start = clock
    shorter, longer = sorted([first, second])
    if shorter < longer:
        assert add_business_time(start, shorter, hours) < add_business_time(start, longer, hours)


@properties
@given(clocks(count=2), durations)
def test_a_later_start_never_gives_an_earlier_deadline(clock, duration):
    hours, earlier, later = clock
    assert add_business_time(earlier, duration, hours) <= add_business_time(later, duration, hours)


@properties
@given(clocks())
def test_adding_nothing_gives_the_next_business_moment_which_is_business_time(clock):
    hours, moment = clock
    following = next_business_moment(moment, hours)
    assert add_business_time(moment, timedelta(0), hours) == following >= moment
    assert is_business_time(following, hours)
    assert (following == moment) == is_business_time(moment, hours)


@properties
@given(clocks(zones=["UTC", "Asia/Kolkata"], with_holidays=False))
def test_any_week_without_holidays_or_dst_holds_one_day_per_business_weekday(clock):
    hours, start = clock
    assert business_time_between(start, start + timedelta(days=7), hours) == len(hours.days) * day_length(hours)


@properties
@given(business_hours(zones=["Europe/Berlin", "America/New_York"], with_holidays=False), st.integers(2025, 2028),
       st.integers(0, 20 * 86400))  # fmt: skip
def test_a_summer_week_in_a_dst_zone_holds_one_day_per_business_weekday(hours, year, seconds):
    start = datetime(year, 7, 1, tzinfo=UTC) + s(seconds)
    assert business_time_between(start, start + timedelta(days=7), hours) == len(hours.days) * day_length(hours)


@st.composite
def dst_change_clocks(draw) -> tuple:
    """Business every day, opening and closing in or at a DST gap or fold, from a day before a change."""
    zone = draw(st.sampled_from(sorted(TRICKY)))
    start, end = sorted(draw(st.lists(st.sampled_from([time(0), *TRICKY[zone], time(12)]), min_size=2, max_size=2,
                                      unique=True)))  # fmt: skip
    change = draw(st.sampled_from(CHANGES[zone]))
    first = change + s(draw(st.integers(-86400, 86400)))
    return BusinessHours(ZoneInfo(zone), EVERY_DAY, start, end), first, first + s(draw(st.integers(0, 3 * 86400)))


@properties
@given(dst_change_clocks(), st.integers(0, 48 * 3600).map(s))
def test_deadlines_over_a_dst_change_add_up_and_stay_in_business_hours(clock, duration):
    hours, start, other = clock
    deadline = add_business_time(start, duration, hours)
    assert business_time_between(start, deadline, hours) == duration
    assert is_business_time(deadline, hours) or (duration and is_business_time(deadline - s(1e-6), hours))
    early, middle, late = sorted([start, other, deadline])
    assert business_time_between(early, middle, hours) + business_time_between(
        middle, late, hours
    ) == business_time_between(early, late, hours)
    assert next_business_moment(early, hours) == add_business_time(early, timedelta(0), hours)


# Away from the DST changes' hours (00:00-03:00), a business day's window is just its wall-clock
# hours, so plain reading of the local time is an independent oracle.
@settings(deadline=None, max_examples=40)
@given(
    st.builds(time, st.integers(4, 12), st.sampled_from([0, 15, 30])),
    st.builds(time, st.integers(13, 22), st.sampled_from([0, 15, 30])),
    clocks(count=1),
    st.integers(0, 2 * 24 * 60),
)
def test_business_time_is_what_the_local_wall_clock_says_away_from_dst_hours(start, end, clock, minutes):
    drawn, first = clock
    hours = BusinessHours(drawn.zone, drawn.days, start, end, drawn.holidays)
    first = first.replace(second=0, microsecond=0)

    def on_the_wall_clock(moment: datetime) -> bool:
        local = moment.astimezone(hours.zone)
        return hours.is_business_day(local.date()) and start <= local.time() < end

    steps = [first + timedelta(minutes=n) for n in range(minutes)]
    assert [is_business_time(moment, hours) for moment in steps] == [on_the_wall_clock(m) for m in steps]
    counted = timedelta(minutes=sum(on_the_wall_clock(m) for m in steps))
    assert business_time_between(first, first + timedelta(minutes=minutes), hours) == counted
