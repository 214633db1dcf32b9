"""SLA compliance on the dashboard: each objective of the signed agreement over its last 12 periods,
read from the compliance snapshots the SLA jobs keep (sla.selectors), never recomputed here."""

from django.db.models import Max

from accounts.roles import Role
from feedback.dashboards.scope import SLA, Column, Figures, Scope, require
from sla.objectives import MARKETING_METRICS
from sla.selectors import compliance_figures, sla_figures

TREND = 12


def sla_compliance(scope: Scope) -> Figures:
    """Each objective's figure per period, the last 12 periods up to the period's end.

    A rep sees the sales objectives with their own figure; a marketer the marketing objectives;
    managers every objective, and with one rep named, that rep's own figure for the sales ones.
    Campaign, source and team do not apply: the agreement measures the whole organization.
    """
    require(scope, SLA)
    filters = scope.filters
    agreement = sla_figures(scope.member, end=filters.end)
    rep = scope.reps[0] if scope.reps is not None and len(scope.reps) == 1 and filters.rep is not None else None
    figures = Figures([
        Column("objective", "Objective"), Column("side", "Side"), Column("figure_for", "Figure for"),
        Column("period_start", "Period from"), Column("period_end", "Period to"), Column("value", "Value"),
        Column("target", "Target"), Column("met", "Met"),
    ])  # fmt: skip
    objectives = []
    for objective in agreement["objectives"]:
        marketing = objective["metric"] in MARKETING_METRICS
        if (scope.role == Role.SALES_REP and marketing) or (scope.role == Role.MARKETER and not marketing):
            continue
        periods = []
        for period in objective["periods"][-TREND:]:
            if rep is not None and not marketing:
                figure, who = next((r for r in period["reps"] if r["member"] == rep), None), "rep"
            else:
                figure, who = period["org"], "organization"
            value, met = (figure["value"], figure["met"]) if figure else (None, None)
            periods.append({"start": period["period_start"], "end": period["period_end"], "value": value, "met": met,
                            "final": period["final"]})  # fmt: skip
            figures.rows.append([objective["statement"], objective["side"], who, period["period_start"],
                                 period["period_end"], value, objective["target"], met])  # fmt: skip
        objectives.append({
            "id": objective["id"], "statement": objective["statement"], "side": objective["side"],
            "metric": objective["metric"], "period": objective["period"], "target": objective["target"],
            "is_share": objective["metric"] != "mqls_delivered", "periods": periods,
            "latest": periods[-1] if periods else None,
        })  # fmt: skip
    figures.as_of = compliance_figures(scope.member).aggregate(at=Max("computed_at"))["at"]
    figures.summary = {"objectives": objectives}
    if agreement["agreement"] is None:
        figures.note = "No signed agreement yet: once both managers sign one, its objectives show here."
    elif filters.campaign is not None or filters.source or filters.team is not None:
        figures.note = "The agreement measures the whole organization: campaign, source and team do not narrow it."
    return figures
