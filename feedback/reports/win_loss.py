"""The quarterly win/loss rundown (SPEC section 7): won against lost deals, by what sales and
marketing can act on, and what the won deals had in common.

A deal is a lead closed as won or lost in the quarter (its closed_at, organization's time zone).
A won deal's value is its won value; a lost deal's is the opportunity value it had. Content
touched before the outcome: every asset the lead engaged with before it was closed
(EngagementEvent.occurred_at < closed_at), which includes content sales sent after the hand-off.
"""

from dataclasses import dataclass

from accounts.models import Membership
from feedback.periods import Quarter
from feedback.reports.scope import Scope, fetch, scope_of
from feedback.reports.tables import COUNT, MONEY, PERCENT, TEXT, Column, Row, Table, rate

TOP_PRESENT = 15
DIMENSIONS = {
    "source": ("By source", "Source", "No source"),
    "campaign": ("By campaign", "Campaign", "No campaign"),
    "competitor": ("By competitor", "Competitor", "None named"),
    "objection": ("By objection logged on the lead", "Objection", "No objection logged"),
    "content": ("By content touched before the outcome", "Content", ""),
}


@dataclass
class WinLoss:
    quarter: Quarter
    won: int
    lost: int
    won_value: object
    lost_value: object
    loss_reasons: Table
    by: dict[str, Table]
    present_in_won: Table

    @property
    def win_rate(self) -> float | None:
        return rate(self.won, self.won + self.lost)

    @property
    def tables(self) -> list[Table]:
        return [self.loss_reasons, *self.by.values(), self.present_in_won]

    @property
    def main_loss_reasons(self) -> list[Row]:
        return [row for row in self.loss_reasons.rows if row.values[1]][:3]


def _deals(scope: Scope) -> str:
    return f"""
        SELECT l.id AS lead_id, l.status = 'won' AS won, l.closed_at, l.source, l.campaign_id,
               CASE WHEN l.status = 'won' THEN o.won_value ELSE o.opportunity_value END AS value,
               o.loss_reason_id, o.helped_asset_id, btrim(COALESCE(o.helped_tactic, '')) AS tactic,
               -- The competitor of the deal: who a lost deal went to; for a won deal, the supplier the lead had.
               NULLIF(btrim(CASE WHEN l.status = 'won' THEN l.current_supplier ELSE COALESCE(o.competitor, '') END), '')
                   AS competitor
        FROM leads_lead AS l LEFT JOIN feedback_outcome AS o ON o.lead_id = l.id AND o.org_id = %(org)s
        WHERE l.org_id = %(org)s AND l.status IN ('won', 'lost') AND l.closed_at >= %(start)s AND l.closed_at < %(end)s
              {scope.leads("l.id")}
    """  # noqa: S608


WON_LOST = """count(DISTINCT d.lead_id) FILTER (WHERE d.won), count(DISTINCT d.lead_id) FILTER (WHERE NOT d.won),
              sum(d.value) FILTER (WHERE d.won), sum(d.value) FILTER (WHERE NOT d.won)"""


def win_loss(member: Membership, *, quarter: Quarter) -> WinLoss:
    scope = scope_of(member)
    zone = member.org.zone
    params = scope.params | {"start": quarter.start(zone), "end": quarter.end(zone)}
    deals = _deals(scope)
    # Each deal once per dimension it has one value of: (dimension, key, label, won, lost, won value, lost value).
    single = fetch(
        f"""
        WITH deals AS ({deals})
        SELECT k.dimension, k.key, min(k.label), {WON_LOST}
        FROM deals AS d
        LEFT JOIN leads_campaign AS c ON c.id = d.campaign_id AND c.org_id = %(org)s
        LEFT JOIN feedback_lossreason AS r ON r.id = d.loss_reason_id AND r.org_id = %(org)s
        CROSS JOIN LATERAL (VALUES ('source', NULLIF(btrim(d.source), ''), NULLIF(btrim(d.source), '')),
                                   ('campaign', d.campaign_id::text, c.name),
                                   ('competitor', lower(d.competitor), d.competitor),
                                   ('loss_reason', r.id::text, r.name)) AS k(dimension, key, label)
        WHERE NOT (k.dimension = 'loss_reason' AND d.won)
        GROUP BY k.dimension, k.key
        UNION ALL
        SELECT 'objection', r.id::text, min(r.name), {WON_LOST}
        FROM deals AS d JOIN feedback_objection AS o ON o.lead_id = d.lead_id AND o.org_id = %(org)s
        JOIN feedback_objectionreason AS r ON r.id = o.reason_id
        GROUP BY r.id
        UNION ALL
        SELECT 'objection', NULL, NULL, {WON_LOST}
        FROM deals AS d
        WHERE NOT EXISTS (SELECT 1 FROM feedback_objection AS o WHERE o.org_id = %(org)s AND o.lead_id = d.lead_id)
        """,  # noqa: S608
        params,
    )
    # What the deals had: content touched before the outcome, content and tactics named as what helped.
    present = fetch(
        f"""
        WITH deals AS ({deals}),
        had AS (
            SELECT 'content' AS kind, t.asset_id, '' AS tactic, d.lead_id, d.won, false AS named
            FROM deals AS d CROSS JOIN LATERAL (
                SELECT DISTINCT e.asset_id FROM leads_engagementevent AS e
                WHERE e.org_id = %(org)s AND e.lead_id = d.lead_id AND e.asset_id IS NOT NULL
                      AND e.occurred_at < d.closed_at
            ) AS t
            UNION ALL
            SELECT 'content', d.helped_asset_id, '', d.lead_id, d.won, true FROM deals AS d
            WHERE d.won AND d.helped_asset_id IS NOT NULL
            UNION ALL
            SELECT 'tactic', NULL, lower(d.tactic), d.lead_id, d.won, true
            FROM deals AS d WHERE d.won AND d.tactic <> ''
        )
        SELECT h.kind, h.asset_id, COALESCE(min(a.title), min(d.tactic)),
               count(DISTINCT h.lead_id) FILTER (WHERE h.won), count(DISTINCT h.lead_id) FILTER (WHERE NOT h.won),
               count(DISTINCT h.lead_id) FILTER (WHERE h.won AND NOT h.named),
               count(DISTINCT h.lead_id) FILTER (WHERE NOT h.won AND NOT h.named),
               count(DISTINCT h.lead_id) FILTER (WHERE h.named),
               sum(d.value) FILTER (WHERE h.won AND NOT h.named), sum(d.value) FILTER (WHERE NOT h.won AND NOT h.named)
        FROM had AS h JOIN deals AS d ON d.lead_id = h.lead_id
        LEFT JOIN leads_contentasset AS a ON a.id = h.asset_id AND a.org_id = %(org)s
        GROUP BY h.kind, h.asset_id, h.tactic
        """,  # noqa: S608
        params,
    )
    sources = [row for row in single if row[0] == "source"]
    won, lost = sum(r[3] for r in sources), sum(r[4] for r in sources)
    won_value = sum((r[5] for r in sources if r[5] is not None), start=0)
    lost_value = sum((r[6] for r in sources if r[6] is not None), start=0)
    by = {
        name: _by(name, [r[1:] for r in single if r[0] == name])
        for name in ("source", "campaign", "competitor", "objection")
    }
    # Content touched before the outcome, without the wins it was only named in.
    touched = [(key, label, w, lost_, wv, lv) for kind, key, label, _w, _l, w, lost_, _n, wv, lv in present
               if kind == "content" and w + lost_]  # fmt: skip
    by["content"] = _by("content", touched)
    return WinLoss(
        quarter=quarter, won=won, lost=lost, won_value=won_value, lost_value=lost_value,
        loss_reasons=_loss_reasons([r[1:] for r in single if r[0] == "loss_reason"], lost, lost_value),
        by=by, present_in_won=_present(present, won, lost),
    )  # fmt: skip


def _by(name: str, rows: list[tuple]) -> Table:
    title, label, none = DIMENSIONS[name]
    table = Table(
        f"by_{name}", title,
        [Column(label), Column("Won", COUNT), Column("Lost", COUNT), Column("Win rate", PERCENT),
         Column("Won value", MONEY), Column("Lost value", MONEY)],
    )  # fmt: skip
    for key, shown, won, lost, won_value, lost_value in rows:
        if key is None and not (won or lost):
            continue
        table.rows.append(
            Row([shown if key is not None else none, won, lost, rate(won, won + lost), won_value, lost_value])
        )
    # Most deals first; the rows without a value ("No source") last.
    table.rows.sort(key=lambda row: (row.values[0] == none, -(row.values[1] + row.values[2]), str(row.values[0])))
    if name == "content":
        table.note = "A deal counts for every piece of content the lead touched before it was closed."
    if name == "competitor":
        table.note = "A lost deal's competitor is the one it went to; a won deal's is the supplier the lead had."
    return table


def _loss_reasons(rows: list[tuple], lost: int, lost_value) -> Table:
    table = Table(
        "loss_reasons", "Why deals were lost",
        [Column("Loss reason"), Column("Lost", COUNT), Column("Share of lost deals", PERCENT),
         Column("Lost value", MONEY)],
    )  # fmt: skip
    for key, name, _won, n, _won_value, value in sorted(rows, key=lambda r: (-r[3], str(r[1]))):
        table.rows.append(Row([name if key is not None else "No reason given", n, rate(n, lost), value]))
    return table


def _present(rows: list[tuple], won: int, lost: int) -> Table:
    """Tactics and content ranked by how much more often won deals had them than lost ones."""
    table = Table(
        "present_in_won", "Tactics and content most present in won deals",
        [Column("Tactic or content"), Column("Kind", TEXT), Column("Won deals with it", COUNT),
         Column("Share of won", PERCENT), Column("Lost deals with it", COUNT), Column("Share of lost", PERCENT),
         Column("Named as what helped", COUNT)],
        note="Content counts when the lead touched it before the outcome or the rep named it as what helped; "
             "tactics are what reps named on won deals (a lost deal records none). Ranked by the share of won "
             "deals with it minus the share of lost deals with it.",
    )  # fmt: skip
    ranked = []
    for kind, _key, label, with_won, with_lost, _tw, _tl, named, _wv, _lv in rows:
        share_won, share_lost = rate(with_won, won), rate(with_lost, lost)
        lift = (share_won or 0) - (share_lost or 0)
        ranked.append((lift, with_won, label, kind, with_lost, named, share_won, share_lost))
    ranked.sort(key=lambda r: (-r[0], -r[1], str(r[2]).lower()))
    for _lift, with_won, label, kind, with_lost, named, share_won, share_lost in [r for r in ranked if r[1]][
        :TOP_PRESENT
    ]:
        table.rows.append(Row([label, "Content" if kind == "content" else "Tactic", with_won, share_won,
                               with_lost, share_lost, named]))  # fmt: skip
    return table
