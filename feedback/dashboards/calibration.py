"""Score calibration: do leads with higher fit scores get accepted and won more often? Per fit-score
band (the score the lead was handed off with) for the active criteria version and the one before."""

from dataclasses import dataclass

from feedback.dashboards.scope import (
    CALIBRATION,
    FACTS_AS_OF,
    Column,
    Figures,
    Scope,
    freshness,
    rate,
    require,
    rows_of,
    snapshot_where,
)
from leads.models import CriteriaVersion

FIT_BANDS = [(0, 19), (20, 39), (40, 59), (60, 79), (80, 100)]
# Below this many cases (answered, or closed) on either side of the split, a difference says nothing yet.
MIN_CASES = 5
# Points of a rate that count as a difference rather than noise.
MARGIN = 5.0


def calibration_versions(*, org_id: int) -> list[CriteriaVersion]:
    """The active criteria version and the one before it (the most recently retired), newest first."""
    versions = CriteriaVersion.objects.filter(
        org_id=org_id, status__in=[CriteriaVersion.Status.ACTIVE, CriteriaVersion.Status.RETIRED]
    ).only("id", "number", "name", "status")
    return sorted(versions, key=lambda v: (v.status != CriteriaVersion.Status.ACTIVE, -v.number))[:2]


def calibration(scope: Scope, *, versions: list[CriteriaVersion]) -> Figures:
    """Per criteria version and fit band: hand-offs, answered, accepted, closed, won, and the two rates.

    Every band of every version has a row (zeros when empty), so versions compare band by band.
    """
    require(scope, CALIBRATION)
    where, params = snapshot_where(scope, owner_column="rep_key")
    rows = rows_of(
        f"""
        SELECT version_key, width_bucket(LEAST(GREATEST(fit_score, 0), 99), 0, 100, 5), count(*),
               count(*) FILTER (WHERE accepted OR rejected), count(*) FILTER (WHERE accepted),
               count(*) FILTER (WHERE won OR lost), count(*) FILTER (WHERE won), {FACTS_AS_OF}
        FROM feedback_handofffact
        WHERE {where} AND fit_score IS NOT NULL AND version_key = ANY(%(versions)s)
        GROUP BY 1, 2
        """,  # noqa: S608
        params | {"versions": [v.pk for v in versions]},
    )
    found = {(version, band): rest[:-1] for version, band, *rest in rows}
    figures = Figures([
        Column("version", "Criteria version"), Column("fit_band", "Fit score"), Column("handed_off", "Handed off"),
        Column("answered", "Answered"), Column("accepted", "Accepted"), Column("acceptance_pct", "Acceptance (%)"),
        Column("closed", "Closed"), Column("won", "Won"), Column("close_rate_pct", "Close rate (%)"),
    ])  # fmt: skip
    for version in versions:
        for band, (low, high) in enumerate(FIT_BANDS, start=1):
            handed, answered, accepted, closed, won = found.get((version.pk, band), (0, 0, 0, 0, 0))
            figures.rows.append([f"Version {version.number}", f"{low}–{high}", handed, answered, accepted,
                                 rate(accepted, answered), closed, won, rate(won, closed)])  # fmt: skip
    figures.as_of = rows[0][-1] if rows else freshness(FACTS_AS_OF, params)
    figures.summary = {"readings": calibration_readings(figures), "versions": [v.number for v in versions]}
    return figures


def calibration_readings(figures: Figures) -> list[str]:
    """One sentence per version: are leads in higher fit bands accepted and won more often than in lower ones?

    For each rate, the bands holding any cases split where the two sides hold the most even number of
    them, and the pooled rates of the sides are compared. The close rate decides whether the criteria
    predict (it is what the score is for); the acceptance rate decides while too few leads closed.
    """
    readings = []
    for version in dict.fromkeys(row[0] for row in figures.rows):
        bands = [row for row in figures.rows if row[0] == version]
        accepted = _compare(bands, cases=3, hits=4)  # answered, accepted
        won = _compare(bands, cases=6, hits=7)  # closed, won
        deciding = won or accepted
        if deciding is None:
            readings.append(f"{version}: too few hand-offs answered or closed across fit bands to tell yet.")
            continue
        clauses = [f"{verb} {WORDS[c.direction]} ({c.text})" for verb, c in (("won", won), ("accepted", accepted)) if c]
        joint = " and " if won is None or accepted is None or won.direction == accepted.direction else " but "
        readings.append(
            f"{version}: leads with higher fit scores are {joint.join(clauses)}: {VERDICTS[deciding.direction]}."
        )
    return readings


WORDS = {"up": "more often", "down": "less often", "flat": "about as often"}
VERDICTS = {
    "up": "the criteria predict",
    "down": "the criteria do not predict, revisit their weights",
    "flat": "the fit score does not yet tell good leads from weak ones",
}


@dataclass(frozen=True)
class Comparison:
    direction: str
    text: str


def _compare(bands: list[list], *, cases: int, hits: int) -> Comparison | None:
    """Upper bands against lower bands on one rate (column `hits` of column `cases`); None when too few cases."""
    held = [row for row in bands if row[cases]]
    if len(held) < 2:
        return None
    totals = [row[cases] for row in held]
    split = min(range(1, len(held)), key=lambda k: abs(sum(totals[:k]) - sum(totals[k:])))
    lower, upper = held[:split], held[split:]
    low_cases, high_cases = sum(r[cases] for r in lower), sum(r[cases] for r in upper)
    if min(low_cases, high_cases) < MIN_CASES:
        return None
    low = 100 * sum(r[hits] for r in lower) / low_cases
    high = 100 * sum(r[hits] for r in upper) / high_cases
    direction = "up" if high >= low + MARGIN else "down" if high <= low - MARGIN else "flat"
    return Comparison(direction, f"{high:.0f}% at fit {_span(upper)} against {low:.0f}% at {_span(lower)}")


def _span(bands: list[list]) -> str:
    return f"{bands[0][1].split('–')[0]}–{bands[-1][1].split('–')[1]}"
