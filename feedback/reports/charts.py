"""Chart data for the meeting packs, taken from the same tables the page shows (static/smarketing/charts.js
draws it): {"labels": [...], "datasets": [{"label", "data", ...}]}."""

from feedback.reports.tables import Table


def _numbers(values: list) -> list:
    return [None if v is None else float(v) for v in values]


def series(
    table: Table,
    *,
    labels: str,
    columns: list[str],
    names: dict[str, str] | None = None,
    limit: int | None = None,
    options: dict[str, dict] | None = None,
) -> dict:
    """One dataset per column, one bar (or point) per row."""
    rows = table.data_rows[:limit] if limit else table.data_rows
    index = [c.label for c in table.columns]
    return {
        "labels": [str(row.values[index.index(labels)]) for row in rows],
        "datasets": [
            {"label": (names or {}).get(column, column),
             "data": _numbers([row.values[index.index(column)] for row in rows]),
             **(options or {}).get(column, {})}
            for column in columns
        ],
    }  # fmt: skip


def objections_over_time(table: Table, reasons: list[str]) -> dict:
    chart = series(table, labels="Month", columns=[*reasons, "New pain points heard"])
    # Objections stack by reason; the pain points heard run as a line beside them.
    chart["datasets"][-1].update({"type": "line", "stack": "pain points", "order": -1})
    return chart
