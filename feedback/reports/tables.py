"""The shape every meeting-pack figure takes: a table whose rows the page shows, the chart draws and
the CSV export writes, so the three can never disagree."""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import defusedcsv.csv as safe_csv

# How a column's values are written on the page (CSV gets the raw values).
TEXT, COUNT, MONEY, PERCENT, AVERAGE, DAY = "text", "count", "money", "percent", "average", "day"
NOT_A_KEY = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = TEXT
    # CSV-only columns carry what the page shows as a cell's small print (rejections by reason).
    on_page: bool = True
    # The API's name for the column. Columns named after something users typed (an objection
    # reason) are given one in code, so no name a user picks can clash with a fixed column's.
    name: str = ""

    @property
    def numeric(self) -> bool:
        return self.kind != TEXT

    @property
    def key(self) -> str:
        """Stable for the API: the given name, else the label in snake case ("Average fit (1–5)" → average_fit_1_5)."""
        return self.name or NOT_A_KEY.sub("_", self.label.lower()).strip("_")


@dataclass
class Row:
    values: list
    # Small print under a cell on the page, by column index ("not a fit 2 · bad data 1").
    details: dict[int, str] = field(default_factory=dict)
    # "best" or "worst" in a check-in; what the flag means is stated on the page.
    flag: str = ""
    # Check-in: a content row folds under its campaign's row (the campaign's key).
    group: str = ""
    level: str = ""


@dataclass(frozen=True)
class Shown:
    text: str
    numeric: bool
    detail: str = ""


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    note: str = ""

    @property
    def page_columns(self) -> list[Column]:
        return [c for c in self.columns if c.on_page]

    def shown(self) -> list[tuple[Row, list[Shown]]]:
        """Each row with its cells as the page writes them."""
        keep = [n for n, c in enumerate(self.columns) if c.on_page]
        return [
            (row, [Shown(shown_text(row.values[n], self.columns[n].kind), self.columns[n].numeric,
                         row.details.get(n, "")) for n in keep])
            for row in self.rows
        ]  # fmt: skip

    def column(self, label: str) -> list:
        """One column's raw values, top to bottom (for charts and tests)."""
        index = [c.label for c in self.columns].index(label)
        return [row.values[index] for row in self.rows]

    def as_dicts(self) -> list[dict]:
        labels = [c.label for c in self.columns]
        return [dict(zip(labels, row.values, strict=True)) for row in self.rows]

    @property
    def has_flags(self) -> bool:
        return any(row.flag for row in self.rows)

    @property
    def has_levels(self) -> bool:
        return any(row.level for row in self.rows)

    @property
    def data_rows(self) -> list[Row]:
        """The rows with figures (a heading row only groups the rows under it on the page)."""
        return [row for row in self.rows if row.level != "heading"]

    def csv_rows(self) -> Iterator[list]:
        """Header, then every row: the values the page shows, unrounded and unformatted."""
        extra_head = (["Level"] if self.has_levels else []) + (["Best or worst"] if self.has_flags else [])
        yield [*extra_head, *(c.label for c in self.columns)]
        for row in self.rows:
            if row.level == "heading":
                continue
            extra = ([row.level] if self.has_levels else []) + ([row.flag] if self.has_flags else [])
            yield [*extra, *(csv_value(v) for v in row.values)]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_text(table: Table) -> Iterator[str]:
    """The table as CSV lines: UTF-8 with a BOM (Excel reads accents right), cells starting with
    = + - @ written with a leading apostrophe so a spreadsheet never runs them as formulas."""
    writer = safe_csv.writer(_Echo())
    for n, row in enumerate(table.csv_rows()):
        line = writer.writerow(row)
        yield "\ufeff" + line if n == 0 else line


def csv_value(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return round(value, 1)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def shown_text(value, kind: str) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if kind == COUNT:
        return f"{value:,}"
    if kind == MONEY:
        amount = Decimal(value)
        return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    if kind == PERCENT:
        return f"{value:.0f}%" if float(value).is_integer() else f"{value:.1f}%"
    if kind == AVERAGE:
        return f"{value:.1f}"
    if kind == DAY:
        return f"{value:%-d %b %Y}"
    return str(value)


def rate(part, whole) -> float | None:
    """part as a percentage of whole, one decimal; None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None
