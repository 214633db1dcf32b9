"""Months and quarters as the meeting packs name them ("2026-05", "2026-Q3"), in the organization's
time zone. Pure: parsing what a user typed never fails loudly, it answers None and the page says so."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

# Far enough either way for any real review, near enough that the next period still exists.
FIRST_YEAR, LAST_YEAR = 2000, 2999
MONTH_PARAM = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
QUARTER_PARAM = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> "Month":
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> "Month | None":
        match = MONTH_PARAM.match(text or "")
        if not match:
            return None
        year, month = int(match[1]), int(match[2])
        if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
            return None
        return cls(year, month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def param(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.first_day:%B %Y}"

    @property
    def short_label(self) -> str:
        return f"{self.first_day:%b %Y}"

    def shifted(self, months: int) -> "Month":
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def previous(self) -> "Month":
        return self.shifted(-1)

    @property
    def next(self) -> "Month":
        return self.shifted(1)

    def start(self, zone: ZoneInfo) -> datetime:
        """The first moment of the month where the organization works."""
        return datetime(self.year, self.month, 1, tzinfo=zone)

    def end(self, zone: ZoneInfo) -> datetime:
        """The first moment of the next month (periods are half-open: start <= t < end)."""
        return self.next.start(zone)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> "Quarter | None":
        match = QUARTER_PARAM.match(text or "")
        if not match:
            return None
        year = int(match[1])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            return None
        return cls(year, int(match[2]))

    @property
    def first_month(self) -> Month:
        return Month(self.year, 3 * self.number - 2)

    @property
    def months(self) -> list[Month]:
        return [self.first_month.shifted(n) for n in range(3)]

    @property
    def param(self) -> str:
        return f"{self.year:04d}-Q{self.number}"

    @property
    def label(self) -> str:
        return f"Q{self.number} {self.year}"

    @property
    def span(self) -> str:
        """ "July – September 2026", for the page's subtitle."""
        first, last = self.months[0], self.months[-1]
        return f"{first.first_day:%B} – {last.first_day:%B %Y}"

    def shifted(self, quarters: int) -> "Quarter":
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    @property
    def previous(self) -> "Quarter":
        return self.shifted(-1)

    @property
    def next(self) -> "Quarter":
        return self.shifted(1)

    def start(self, zone: ZoneInfo) -> datetime:
        return self.first_month.start(zone)

    def end(self, zone: ZoneInfo) -> datetime:
        return self.next.start(zone)


def month_param(text: str | None, *, default: Month) -> tuple[Month, str]:
    """The month asked for, or the default with a sentence saying why it was not taken."""
    if not text:
        return default, ""
    month = Month.parse(text)
    if month is None:
        return default, f"“{text[:20]}” is not a month like {default.param}; showing {default.label}."
    return month, ""


def quarter_param(text: str | None, *, default: Quarter) -> tuple[Quarter, str]:
    if not text:
        return default, ""
    quarter = Quarter.parse(text)
    if quarter is None:
        return default, f"“{text[:20]}” is not a quarter like {default.param}; showing {default.label}."
    return quarter, ""
