"""Charts of the dashboard's figures, as static/smarketing/charts.js draws them: the data goes into
the page with json_script, the kind of chart into the canvas's data attributes. Pure: each chart is
built from the rows of its figure, so the chart, the table and the CSV file never disagree."""

from dataclasses import dataclass, field

from feedback.dashboards import Figures


@dataclass
class Chart:
    id: str
    label: str  # what the chart shows, for screen readers (the table beneath holds the numbers)
    labels: list
    datasets: list[dict]
    type: str = "bar"
    horizontal: bool = False
    stacked: bool = False
    suffix: str = ""
    max: float | None = None
    options: dict = field(default_factory=dict)

    @property
    def data(self) -> dict:
        data = {"labels": self.labels, "datasets": self.datasets}
        if self.options:
            data["options"] = self.options
        return data

    @property
    def empty(self) -> bool:
        return not any(v for d in self.datasets for v in d["data"] if v is not None)


def _column(figures: Figures, key: str) -> list:
    index = [c.key for c in figures.columns].index(key)
    return [row[index] for row in figures.rows]


def funnel_chart(figures: Figures) -> Chart:
    return Chart(
        "chart-funnel", "Funnel: leads entering each stage in the period", _column(figures, "stage"),
        [{"label": "Leads", "data": _column(figures, "leads")}], horizontal=True,
    )  # fmt: skip


def mql_chart(figures: Figures) -> Chart:
    rows = {row[0]: row[1:] for row in figures.rows}
    return Chart(
        "chart-mql", "MQLs and hand-offs, last month against this month", [c.label for c in figures.columns[1:]],
        [{"label": "MQLs", "data": rows["MQLs"]}, {"label": "Handed off", "data": rows["Handed off"]}],
    )  # fmt: skip


def acceptance_chart(figures: Figures) -> Chart:
    """The answers as parts of the whole: accepted, each rejection reason, not answered yet."""
    counts = dict(zip(_column(figures, "step"), _column(figures, "count"), strict=True))
    parts = [(step, n) for step, n in counts.items() if step == "Accepted" or step.startswith("Rejected")]
    waiting = counts["Handed off"] - counts["Answered"]
    parts.append(("Not answered yet", waiting))
    shown = [(step, n) for step, n in parts if n]
    return Chart(
        "chart-acceptance", "How sales answered the hand-offs of the period", [s for s, _ in shown],
        [{"label": "Hand-offs", "data": [n for _, n in shown]}], type="doughnut",
    )  # fmt: skip


def timings_chart(figures: Figures) -> Chart:
    return Chart(
        "chart-timings", "Time to answer and to first touch, median and 90th percentile, in business hours",
        ["Answer", "First touch"],
        [{"label": "Median", "data": _column(figures, "median_hours")},
         {"label": "90th percentile", "data": _column(figures, "p90_hours")}],
        horizontal=True, suffix=" h",
    )  # fmt: skip


def close_rate_chart(figures: Figures, by: str) -> Chart:
    label = figures.columns[0].label.lower()
    return Chart(
        f"chart-close-rates-{by}", f"Close rate by {label}", _column(figures, by),
        [{"label": "Close rate", "data": _column(figures, "close_rate_pct")}],
        horizontal=True, suffix="%", max=100,
    )  # fmt: skip


def reps_chart(figures: Figures) -> Chart:
    return Chart(
        "chart-reps", "Hand-offs accepted, won and lost per rep", _column(figures, "rep"),
        [{"label": "Accepted", "data": _column(figures, "accepted")},
         {"label": "Won", "data": _column(figures, "won")},
         {"label": "Lost", "data": _column(figures, "lost")}],
        horizontal=True,
    )  # fmt: skip


def calibration_charts(figures: Figures) -> list[Chart]:
    """Acceptance and close rate per fit band, one line per criteria version."""
    versions = list(dict.fromkeys(_column(figures, "version")))
    bands = list(dict.fromkeys(_column(figures, "fit_band")))

    def per_version(key: str) -> list[dict]:
        values = _column(figures, key)
        names = _column(figures, "version")
        return [{"label": v, "data": [x for x, n in zip(values, names, strict=True) if n == v]} for v in versions]

    return [
        Chart("chart-calibration-acceptance", "Acceptance per fit-score band and criteria version", bands,
              per_version("acceptance_pct"), suffix="%", max=100),
        Chart("chart-calibration-close", "Close rate per fit-score band and criteria version", bands,
              per_version("close_rate_pct"), suffix="%", max=100),
    ]  # fmt: skip


PERIOD_FORMATS = {"week": "%-d %b", "month": "%b %Y"}


def _period_label(period: str, start) -> str:
    if period == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return start.strftime(PERIOD_FORMATS.get(period, "%d %b %Y"))


def sla_chart(objective: dict) -> Chart:
    """One objective over its periods, with its target as a dashed line."""
    periods = objective["periods"]
    share = objective["is_share"]
    return Chart(
        f"chart-sla-{objective['id']}", f"{objective['statement']} Figure per period, and the target",
        [_period_label(objective["period"], p["start"]) for p in periods],
        [{"label": "Figure", "data": [p["value"] for p in periods]},
         {"label": "Target", "data": [objective["target"]] * len(periods), "borderDash": [6, 4], "pointRadius": 0,
          "fill": False}],
        type="line", suffix="%" if share else "", max=100 if share else None,
    )  # fmt: skip
