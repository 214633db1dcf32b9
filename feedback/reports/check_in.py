"""The monthly campaign check-in (SPEC section 7): which campaigns and which content produced good
leads and which bad ones, in one month.

Every figure counts what happened in the month (organization's time zone): leads created, leads
qualified, hand-offs made, hand-offs accepted or rejected, verdicts given, opportunities opened,
deals won. A lead belongs to its campaign, and to every content asset it engaged with by the end of
the month (so content rows add up to more than the campaign rows).
"""

from dataclasses import dataclass
from datetime import timedelta

from accounts.models import Membership
from feedback.models import CheckInNote
from feedback.periods import Month
from feedback.reports.scope import Scope, fetch, scope_of
from feedback.reports.tables import AVERAGE, COUNT, MONEY, PERCENT, Column, Row, Table, rate
from leads.models import Campaign, HandOff

REASONS = HandOff.RejectReason
# A campaign or asset is ranked once this many of its hand-offs were answered in the month:
# below that, one rejection decides the rate.
MIN_ANSWERED = 5
RANKING_RULE = (
    f"Best and worst: the highest and the lowest acceptance rate (accepted of accepted + rejected) among "
    f"those with at least {MIN_ANSWERED} hand-offs answered in the month; a tie goes to the higher average "
    f"fit, then to more won per 100 leads handed off."
)
FIGURES = ["produced", "qualified", "handed_off", "accepted", "rejected", "verdict", "opportunity", "won"]


@dataclass
class CheckIn:
    month: Month
    table: Table
    note: CheckInNote | None


def _facts(scope: Scope) -> str:
    """One row per thing that happened in the month: (lead, figure, reject reason, amount)."""
    month = "{c} >= %(start)s AND {c} < %(end)s"
    leads = f"l.org_id = %(org)s {scope.leads('l.id')}"
    handoffs = f"h.org_id = %(org)s {scope.handoffs('h')}"
    return f"""
        SELECT l.id AS lead_id, 'produced' AS figure, '' AS reason, NULL::numeric AS amount FROM leads_lead AS l
        WHERE {leads} AND {month.format(c="l.created_at")}
        UNION ALL
        SELECT l.id, 'qualified', '', NULL FROM leads_lead AS l WHERE {leads} AND {month.format(c="l.qualified_at")}
        UNION ALL
        SELECT h.lead_id, 'handed_off', '', NULL FROM leads_handoff AS h
        WHERE {handoffs} AND {month.format(c="h.handed_off_at")}
        UNION ALL
        SELECT h.lead_id, 'accepted', '', NULL FROM leads_handoff AS h
        WHERE {handoffs} AND {month.format(c="h.accepted_at")}
        UNION ALL
        SELECT h.lead_id, 'rejected', h.reject_reason, NULL FROM leads_handoff AS h
        WHERE {handoffs} AND {month.format(c="h.rejected_at")}
        UNION ALL
        SELECT q.lead_id, 'verdict', '', q.fit
        FROM feedback_qualityfeedback AS q JOIN leads_handoff AS h ON h.id = q.handoff_id
        WHERE q.org_id = %(org)s AND {handoffs} AND {month.format(c="q.at")}
        UNION ALL
        SELECT l.id, 'opportunity', '', o.opportunity_value
        FROM leads_lead AS l LEFT JOIN feedback_outcome AS o ON o.lead_id = l.id AND o.org_id = %(org)s
        WHERE {leads} AND {month.format(c="l.opportunity_at")}
        UNION ALL
        SELECT l.id, 'won', '', o.won_value
        FROM leads_lead AS l LEFT JOIN feedback_outcome AS o ON o.lead_id = l.id AND o.org_id = %(org)s
        WHERE {leads} AND l.status = 'won' AND {month.format(c="l.closed_at")}
    """  # noqa: S608


def campaign_check_in(member: Membership, *, month: Month) -> CheckIn:
    scope = scope_of(member)
    zone = member.org.zone
    params = scope.params | {"start": month.start(zone), "end": month.end(zone)}
    facts = _facts(scope)
    # Campaign rows, then content rows: (level, key, name, campaign of the content, figure, reason, count, sum).
    rows = fetch(
        f"""
        WITH facts AS ({facts}),
        touched AS (
            SELECT DISTINCT e.lead_id, e.asset_id FROM leads_engagementevent AS e
            WHERE e.org_id = %(org)s AND e.asset_id IS NOT NULL AND e.occurred_at < %(end)s
                  AND e.lead_id IN (SELECT lead_id FROM facts)
        )
        SELECT 'campaign', l.campaign_id, c.name, NULL::bigint, f.figure, f.reason, count(*), sum(f.amount)
        FROM facts AS f JOIN leads_lead AS l ON l.id = f.lead_id
        LEFT JOIN leads_campaign AS c ON c.id = l.campaign_id AND c.org_id = %(org)s
        GROUP BY l.campaign_id, c.name, f.figure, f.reason
        UNION ALL
        SELECT 'asset', t.asset_id, a.title, a.campaign_id, f.figure, f.reason, count(*), sum(f.amount)
        FROM facts AS f JOIN touched AS t ON t.lead_id = f.lead_id
        JOIN leads_contentasset AS a ON a.id = t.asset_id AND a.org_id = %(org)s
        GROUP BY t.asset_id, a.title, a.campaign_id, f.figure, f.reason
        """,  # noqa: S608
        params,
    )
    running = campaigns_running(org_id=member.org_id, month=month, zone=zone)
    note = CheckInNote.objects.filter(org_id=member.org_id, month=month.first_day).select_related("updated_by__user")
    return CheckIn(month=month, table=_table(rows, running), note=note.first())


def campaigns_running(*, org_id: int, month: Month, zone) -> dict[int, str]:
    """Campaigns that ran in the month: created by its end, not archived, not ended before it, not
    starting after it. They show even when they brought nothing, which is worth a word in the meeting."""
    first, last = month.first_day, month.next.first_day - timedelta(days=1)
    campaigns = (
        Campaign.objects.filter(org_id=org_id, is_active=True, created_at__lt=month.end(zone))
        .exclude(ends_on__lt=first)
        .exclude(starts_on__gt=last)
    )
    return dict(campaigns.values_list("id", "name"))


def _table(rows: list[tuple], running: dict[int, str]) -> Table:
    figures: dict[tuple[str, int | None], dict] = {}
    names: dict[tuple[str, int | None], tuple[str, int | None]] = {}
    for pk, name in running.items():
        figures[("campaign", pk)] = {}
        names[("campaign", pk)] = (name, None)
    for level, key, name, campaign, figure, reason, count, amount in rows:
        figures.setdefault((level, key), {})[(figure, reason)] = (count, amount)
        names[(level, key)] = (name or ("No campaign" if level == "campaign" else "?"), campaign)
    table = Table(
        "campaign_check_in", "Campaigns and content",
        [Column("Campaign or content"), Column("New leads", COUNT), Column("MQLs", COUNT),
         Column("Handed off", COUNT), Column("Accepted", COUNT), Column("Rejected", COUNT),
         *(Column(f"Rejected: {label.lower()}", COUNT, on_page=False) for label in REASONS.labels),
         Column("Acceptance", PERCENT), Column("Verdicts", COUNT, on_page=False), Column("Average fit (1–5)", AVERAGE),
         Column("Opportunities", COUNT), Column("Won", COUNT), Column("Won value", MONEY)],
        note=RANKING_RULE,
    )  # fmt: skip
    built = {key: _row(key, names[key][0], figures[key]) for key in figures}
    for level in ("campaign", "asset"):
        _flag([row for (lvl, _), row in built.items() if lvl == level])
    campaigns = sorted((k for k in built if k[0] == "campaign"), key=lambda k: (k[1] is None, names[k][0].lower()))
    assets = sorted((k for k in built if k[0] == "asset"), key=lambda k: names[k][0].lower())
    shown = {k[1] for k in campaigns if k[1] is not None}
    for key in campaigns:
        table.rows.append(built[key])
        table.rows.extend(built[a] for a in assets if key[1] is not None and names[a][1] == key[1])
    # Content of no campaign, or of a campaign not shown, folds under its own heading.
    loose = [built[a] for a in assets if names[a][1] not in shown]
    if loose:
        table.rows.append(Row(["Content without a campaign", *[None] * (len(table.columns) - 1)], level="heading",
                              group="c-none"))  # fmt: skip
        for row in loose:
            row.group = "c-none"
        table.rows.extend(loose)
    for key in assets:
        if names[key][1] in shown:
            built[key].group = f"c-{names[key][1]}"
    return table


def _row(key: tuple[str, int | None], name: str, figures: dict) -> Row:
    def count(figure: str, reason: str = "") -> int:
        return figures.get((figure, reason), (0, None))[0]

    def total(figure: str) -> int:
        return sum(n for (f, _r), (n, _a) in figures.items() if f == figure)

    by_reason = [count("rejected", value) for value in REASONS.values]
    accepted, rejected = count("accepted"), total("rejected")
    verdicts, fit_sum = figures.get(("verdict", ""), (0, None))
    won, won_value = figures.get(("won", ""), (0, None))
    detail = " · ".join(f"{label.lower()} {n}" for label, n in zip(REASONS.labels, by_reason, strict=True) if n)
    level, pk = key
    return Row(
        [name, count("produced"), count("qualified"), count("handed_off"), accepted, rejected, *by_reason,
         rate(accepted, accepted + rejected), verdicts, round(float(fit_sum) / verdicts, 1) if verdicts else None,
         count("opportunity"), won, won_value if won else None],
        details={5: detail} if detail else {},
        level=level, group=f"c-{pk}" if level == "campaign" else "",
    )  # fmt: skip


def _flag(rows: list[Row]) -> None:
    """Mark the best and the worst row by the rule the page states (RANKING_RULE)."""
    accepted_at, rejected_at, rate_at, fit_at = 4, 5, 11, 13
    ranked = [r for r in rows if r.values[accepted_at] + r.values[rejected_at] >= MIN_ANSWERED]
    if len(ranked) < 2:
        return

    def merit(row: Row) -> tuple:
        handed_off, won = row.values[3], row.values[15]
        per_100 = 100 * won / handed_off if handed_off else 0
        return row.values[rate_at], row.values[fit_at] or 0, per_100

    ranked.sort(key=merit)
    if merit(ranked[0]) == merit(ranked[-1]):
        return
    ranked[-1].flag, ranked[0].flag = "best", "worst"
