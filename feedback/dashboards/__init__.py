"""Dashboard figures, read from the snapshot tables (FunnelDay, HandoffFact, the SLA's
ComplianceSnapshot) and small lookup tables (campaign names, members, criteria versions, territories),
never from the leads, events or hand-offs themselves: a page stays fast however many leads there are.

Who sees what. The pages, their CSV files and the API all ask here, so they follow one rule:
- A sales rep sees their own figures: each figure is narrowed to the leads they own and the
  hand-offs they received, whatever rep or team the request names; the rep table is their own row;
  of the agreement, the sales objectives with their own figure.
- A marketer sees marketing's figures for the whole organization: the funnel, MQLs, acceptance,
  close rates, score calibration (marketing writes the criteria) and the agreement's marketing
  objectives. Not the figures that judge sales people: the rep table, hand-off timings, the sales
  objectives; nor the rep and team filters, which would rebuild the rep table one rep at a time.
- Managers of either side and admins see every figure and may narrow any of them to a rep or a team.

Periods are [start, end] in whole days of the organization's time zone, the snapshots' days. A
"team" is a sales territory: the reps of one routing rule.
"""

from collections.abc import Callable

from feedback.dashboards.cache import cached_figures
from feedback.dashboards.calibration import FIT_BANDS, calibration, calibration_readings, calibration_versions
from feedback.dashboards.figures import (
    CLOSE_RATES_BY,
    STAGE_LABELS,
    STAGES,
    acceptance,
    close_rates,
    funnel,
    handoff_timings,
    month_before,
    mql,
    rep_table,
)
from feedback.dashboards.scope import (
    ACCEPTANCE,
    CALIBRATION,
    CLOSE_RATES,
    FUNNEL,
    MARKETER_FIGURES,
    MQL,
    REPS,
    SLA,
    TIMINGS,
    Column,
    Figures,
    Filters,
    Scope,
    may_filter_by_rep,
    may_see,
    scope_for,
)
from feedback.dashboards.sla import sla_compliance

# Every figure by the name its CSV file and API endpoint use, with its title, and the access rule's name.
FIGURES: dict[str, tuple[str, str, Callable[[Scope], Figures]]] = {
    "funnel": ("Funnel", FUNNEL, funnel),
    "mql": ("MQLs this month and last", MQL, mql),
    "acceptance": ("Acceptance", ACCEPTANCE, acceptance),
    "handoff-timings": ("Time to answer and to first touch", TIMINGS, handoff_timings),
    "close-rates-by-source": ("Close rate by source", CLOSE_RATES, lambda s: close_rates(s, by="source")),
    "close-rates-by-campaign": ("Close rate by campaign", CLOSE_RATES, lambda s: close_rates(s, by="campaign")),
    "close-rates-by-version": ("Close rate by criteria version", CLOSE_RATES, lambda s: close_rates(s, by="version")),
    "reps": ("Rep table", REPS, rep_table),
    "calibration": (
        "Score calibration", CALIBRATION, lambda s: calibration(s, versions=calibration_versions(org_id=s.org_id))
    ),
    "sla": ("SLA compliance", SLA, sla_compliance),
}  # fmt: skip


# The SLA's compliance snapshots are written by the agreement's own jobs, not by the dashboards'
# refresh, so that figure is read afresh each time (a handful of rows).
COMPUTED_ELSEWHERE = {"sla"}


def figure_title(name: str) -> str:
    return FIGURES[name][0]


def figure_visible(scope: Scope, name: str) -> bool:
    return name in FIGURES and may_see(scope.member, FIGURES[name][1])


def figure(scope: Scope, name: str) -> Figures:
    """One figure by its name; NotAllowed when the member's role may not see it (KeyError: no such figure)."""
    return figures(scope, [name])[name]


def figures(scope: Scope, names: list[str], *, keep: bool = True) -> dict[str, Figures]:
    """Several figures by their names, as a page shows them together. keep=False: computed, not
    kept, for a caller that keeps what it makes of them (the dashboard keeps its rendered figures)."""
    kept = [name for name in names if name not in COMPUTED_ELSEWHERE]
    if not keep:
        return {name: FIGURES[name][2](scope) for name in names}
    found = cached_figures(scope, kept, lambda name: FIGURES[name][2](scope)) if kept else {}
    return found | {name: FIGURES[name][2](scope) for name in names if name in COMPUTED_ELSEWHERE}


__all__ = [
    "ACCEPTANCE",
    "CALIBRATION",
    "CLOSE_RATES",
    "CLOSE_RATES_BY",
    "FIGURES",
    "FIT_BANDS",
    "FUNNEL",
    "MARKETER_FIGURES",
    "MQL",
    "REPS",
    "SLA",
    "STAGES",
    "STAGE_LABELS",
    "TIMINGS",
    "Column",
    "Figures",
    "Filters",
    "Scope",
    "acceptance",
    "calibration",
    "calibration_readings",
    "calibration_versions",
    "close_rates",
    "figure",
    "figure_title",
    "figure_visible",
    "figures",
    "funnel",
    "handoff_timings",
    "may_filter_by_rep",
    "may_see",
    "month_before",
    "mql",
    "rep_table",
    "scope_for",
    "sla_compliance",
]  # fmt: skip
