"""Voice of sales (SPEC section 5): what reps hear and what they think of the leads marketing sends.

Objections and pain points count when they were heard (their `at`), month by month in the
organization's time zone; by campaign (the lead's) and by content asset (what the lead touched
before it was handed to sales, HandOff.assets_before). Quality and reject reasons count the
hand-offs made in the period with the answers and verdicts they got. The criteria marked wrong
are those of the active version, over every verdict on the leads it qualified.
"""

from dataclasses import dataclass, field
from datetime import date

from accounts.models import Membership
from feedback.periods import Month
from feedback.reports.scope import Scope, fetch, scope_of
from feedback.reports.tables import AVERAGE, COUNT, DAY, PERCENT, Column, Row, Table, rate
from feedback.suggestions import Evidence, Marks, RuleFacts, suggestion
from leads.models import CriteriaRule, CriteriaVersion, HandOff, Lead
from leads.selectors import active_criteria_version

PERIODS = (3, 6, 12)
TOP_PAIN_POINTS = 15
REASONS = HandOff.RejectReason
# Lead columns a rule's evidence is read from (the attribute names of leads.scoring); fixed SQL.
NUMBER_COLUMNS = {"employees": "l.employees", "annual_revenue": "l.annual_revenue", "budget": "l.budget"}
TEXT_COLUMNS = {"country": "l.country", "region": "l.region", "industry": "l.industry",
                "buying_authority": "l.buying_authority", "timeline": "l.timeline"}  # fmt: skip
CODE_LABELS = {"buying_authority": dict(Lead.BuyingAuthority.choices), "timeline": dict(Lead.Timeline.choices)}


@dataclass
class VoiceOfSales:
    months: list[Month]
    over_time: Table
    by_campaign: Table
    by_asset: Table
    pain_points: Table
    quality_by_version: Table
    quality_by_campaign: Table
    wrong_criteria: Table
    version: CriteriaVersion | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def period_label(self) -> str:
        return f"{self.months[0].label} – {self.months[-1].label}"

    @property
    def tables(self) -> list[Table]:
        return [self.over_time, self.by_campaign, self.by_asset, self.pain_points, self.quality_by_version,
                self.quality_by_campaign, self.wrong_criteria]  # fmt: skip


def voice_of_sales(member: Membership, *, months: int, today: date, campaign_id: int | None = None) -> VoiceOfSales:
    """The last `months` months up to today's, for the member's scope (a rep: the leads handed to them)."""
    scope = scope_of(member, campaign_id=campaign_id)
    zone = member.org.zone
    last = Month.of(today)
    shown = [last.shifted(n - months + 1) for n in range(months)]
    params = scope.params | {"start": shown[0].start(zone), "end": last.end(zone)}
    over_time, reasons = _over_time(scope, params, shown)
    version = active_criteria_version(org_id=member.org_id)
    return VoiceOfSales(
        months=shown, over_time=over_time, reasons=reasons, version=version,
        by_campaign=_heard_by(scope, params, reasons, by="campaign"),
        by_asset=_heard_by(scope, params, reasons, by="asset"),
        pain_points=_pain_points(scope, params),
        quality_by_version=_quality(scope, params, by="version"),
        quality_by_campaign=_quality(scope, params, by="campaign"),
        wrong_criteria=_wrong_criteria(scope, version),
    )  # fmt: skip


def _heard(scope: Scope, alias: str) -> str:
    """WHERE of objections or pain points heard in the period, in scope."""
    period = f"{alias}.at >= %(start)s AND {alias}.at < %(end)s"
    return f"{alias}.org_id = %(org)s AND {period} {scope.leads(f'{alias}.lead_id')}"


def _over_time(scope: Scope, params: dict, months: list[Month]) -> tuple[Table, list[str]]:
    rows = fetch(
        f"""
        SELECT date_trunc('month', o.at AT TIME ZONE %(tz)s)::date, r.name, count(*)
        FROM feedback_objection AS o JOIN feedback_objectionreason AS r ON r.id = o.reason_id
        WHERE {_heard(scope, "o")}
        GROUP BY 1, 2
        UNION ALL
        SELECT date_trunc('month', p.at AT TIME ZONE %(tz)s)::date, NULL, count(*)
        FROM feedback_painpointheard AS p
        WHERE {_heard(scope, "p")}
        GROUP BY 1
        """,  # noqa: S608
        params,
    )
    totals: dict[str, int] = {}
    for _month, reason, count in rows:
        if reason is not None:
            totals[reason] = totals.get(reason, 0) + count
    reasons = sorted(totals, key=lambda name: (-totals[name], name))
    cells = {(Month.of(day), reason): count for day, reason, count in rows}
    table = Table(
        "objections_by_month", "Objections and new pain points, month by month",
        [Column("Month"), *(Column(r, COUNT, name=f"objection:{r}") for r in reasons), Column("Objections", COUNT),
         Column("New pain points heard", COUNT)],
        note="Counted in the month the rep heard them.",
    )  # fmt: skip
    for month in months:
        counts = [cells.get((month, reason), 0) for reason in reasons]
        table.rows.append(Row([month.short_label, *counts, sum(counts), cells.get((month, None), 0)]))
    return table, reasons


def _heard_by(scope: Scope, params: dict, reasons: list[str], *, by: str) -> Table:
    if by == "campaign":
        prefix = ""
        join = "JOIN leads_lead AS l ON l.id = {a}.lead_id LEFT JOIN leads_campaign AS d ON d.id = l.campaign_id"
        key, label = "l.campaign_id", "d.name"
        title, first = "By campaign", Column("Campaign")
        note = "The campaign the lead came with."
    else:
        # Each lead counts for every piece of content it touched before any of its hand-offs.
        prefix = f"""
        WITH touched AS (
            SELECT DISTINCT h.lead_id, a.asset_id
            FROM leads_handoff AS h CROSS JOIN LATERAL unnest(h.assets_before) AS a(asset_id)
            WHERE h.org_id = %(org)s AND h.lead_id IN (
                SELECT o.lead_id FROM feedback_objection AS o WHERE {_heard(scope, "o")}
                UNION SELECT p.lead_id FROM feedback_painpointheard AS p WHERE {_heard(scope, "p")})
        )"""  # noqa: S608
        join = (
            "JOIN touched AS t ON t.lead_id = {a}.lead_id "
            "JOIN leads_contentasset AS d ON d.id = t.asset_id AND d.org_id = %(org)s"
        )
        key, label = "t.asset_id", "d.title"
        title, first = "By content touched before the hand-off", Column("Content")
        note = (
            "A lead counts for every piece of content it touched before it was handed to sales, "
            "so rows add up to more than the total."
        )
    rows = fetch(
        f"""{prefix}
        SELECT {key}, {label}, 'objection', r.name, count(*)
        FROM feedback_objection AS o JOIN feedback_objectionreason AS r ON r.id = o.reason_id {join.format(a="o")}
        WHERE {_heard(scope, "o")} GROUP BY 1, 2, 4
        UNION ALL
        SELECT {key}, {label}, 'leads', NULL, count(DISTINCT o.lead_id)
        FROM feedback_objection AS o {join.format(a="o")}
        WHERE {_heard(scope, "o")} GROUP BY 1, 2
        UNION ALL
        SELECT {key}, {label}, 'pain', NULL, count(*)
        FROM feedback_painpointheard AS p {join.format(a="p")}
        WHERE {_heard(scope, "p")} GROUP BY 1, 2
        """,  # noqa: S608
        params,
    )
    names: dict = {}
    counts: dict = {}
    for row_key, name, kind, reason, count in rows:
        names[row_key] = name or "No campaign"
        counts[(row_key, kind, reason)] = count
    per_reason_columns = [Column(r, COUNT, name=f"objection:{r}") for r in reasons]
    table = Table(f"heard_by_{by}", title, [first, *per_reason_columns, Column("Objections", COUNT),
                  Column("Leads with objections", COUNT), Column("Pain points heard", COUNT)], note=note)  # fmt: skip
    for row_key, name in names.items():
        per_reason = [counts.get((row_key, "objection", reason), 0) for reason in reasons]
        table.rows.append(Row([name, *per_reason, sum(per_reason), counts.get((row_key, "leads", None), 0),
                               counts.get((row_key, "pain", None), 0)]))  # fmt: skip
    table.rows.sort(key=lambda row: (-row.values[-3], -row.values[-1], row.values[0]))
    return table


def _pain_points(scope: Scope, params: dict) -> Table:
    rows = fetch(
        f"""
        SELECT g.label, g.heard, g.leads, g.first_heard, EXISTS (
            SELECT 1 FROM leads_contentasset AS a CROSS JOIN LATERAL unnest(a.topics) AS t(topic)
            WHERE a.org_id = %(org)s AND lower(btrim(t.topic)) = g.key)
        FROM (
            SELECT lower(btrim(p.text)) AS key, min(btrim(p.text)) AS label, count(*) AS heard,
                   count(DISTINCT p.lead_id) AS leads, min((p.at AT TIME ZONE %(tz)s)::date) AS first_heard
            FROM feedback_painpointheard AS p WHERE {_heard(scope, "p")}
            GROUP BY 1
        ) AS g
        ORDER BY g.heard DESC, g.label LIMIT {TOP_PAIN_POINTS}
        """,  # noqa: S608
        params,
    )
    return Table(
        "pain_points", "Pain points heard most",
        [Column("Pain point"), Column("Times heard", COUNT), Column("Leads", COUNT), Column("First heard", DAY),
         Column("Content speaks to it")],
        [Row(list(row)) for row in rows],
        note="“Content speaks to it”: a content asset is tagged with this topic. Where none is, marketing has "
             "nothing to send yet.",
    )  # fmt: skip


def _quality(scope: Scope, params: dict, *, by: str) -> Table:
    reasons = {f"reason_{n}": value for n, value in enumerate(REASONS.values)}
    per_reason = ", ".join(f"count(DISTINCT h.id) FILTER (WHERE h.reject_reason = %({key})s)" for key in reasons)
    if by == "version":
        # The version a hand-off's lead was qualified by is in its brief; none when qualified by hand.
        key = (
            "CASE WHEN jsonb_typeof(h.brief -> 'criteria_version_id') = 'number' "
            "THEN (h.brief ->> 'criteria_version_id')::bigint END"
        )
        join = "LEFT JOIN leads_criteriaversion AS d ON d.id = k.key AND d.org_id = %(org)s"
        label, order = "d.number, d.name", "d.number DESC NULLS LAST"
    else:
        key = "l.campaign_id"
        join = "LEFT JOIN leads_campaign AS d ON d.id = k.key AND d.org_id = %(org)s"
        label, order = "NULL::integer, d.name", "3 DESC, d.name"
    rows = fetch(
        f"""
        SELECT {label}, count(DISTINCT h.id), count(DISTINCT h.id) FILTER (WHERE h.accepted_at IS NOT NULL),
               count(DISTINCT h.id) FILTER (WHERE h.rejected_at IS NOT NULL), {per_reason},
               count(q.id), avg(q.fit), count(q.id) FILTER (WHERE q.ready_to_talk),
               count(q.id) FILTER (WHERE q.brief_useful)
        FROM leads_handoff AS h JOIN leads_lead AS l ON l.id = h.lead_id
        CROSS JOIN LATERAL (SELECT {key} AS key) AS k
        LEFT JOIN feedback_qualityfeedback AS q ON q.handoff_id = h.id AND q.org_id = %(org)s
        {join}
        WHERE h.org_id = %(org)s AND h.handed_off_at >= %(start)s AND h.handed_off_at < %(end)s {scope.handoffs("h")}
        GROUP BY k.key, d.id ORDER BY {order}
        """,  # noqa: S608
        params | reasons,
    )
    what = "criteria version" if by == "version" else "campaign"
    table = Table(
        f"quality_by_{by}", f"Lead quality and reject reasons by {what}",
        [Column(what.capitalize()), Column("Hand-offs", COUNT), Column("Accepted", COUNT), Column("Rejected", COUNT),
         *(Column(f"Rejected: {label.lower()}", COUNT, on_page=False) for label in REASONS.labels),
         Column("Acceptance", PERCENT), Column("Verdicts", COUNT), Column("Average fit (1–5)", AVERAGE),
         Column("Ready to talk", PERCENT), Column("Brief useful", PERCENT)],
        note="Hand-offs made in the period, with the answers and the reps' verdicts they got since.",
    )  # fmt: skip
    for number, name, handoffs, accepted, rejected, *rest in rows:
        by_reason, (verdicts, fit, ready, useful) = rest[: len(reasons)], rest[len(reasons) :]
        if by == "version":
            shown = f"Version {number}: {name}" if number is not None else "Qualified by hand"
        else:
            shown = name or "No campaign"
        detail = " · ".join(f"{label.lower()} {n}" for label, n in zip(REASONS.labels, by_reason, strict=True) if n)
        table.rows.append(Row(
            [shown, handoffs, accepted, rejected, *by_reason, rate(accepted, accepted + rejected), verdicts,
             None if fit is None else round(float(fit), 1), rate(ready, verdicts), rate(useful, verdicts)],
            details={3: detail} if detail else {},
        ))  # fmt: skip
    return table


def _wrong_criteria(scope: Scope, version: CriteriaVersion | None) -> Table:
    table = Table(
        "criteria_marked_wrong", "Criteria reps mark wrong most often",
        [Column("Rule"), Column("Marked wrong", COUNT), Column("Share of verdicts", PERCENT),
         Column("On rejected leads", PERCENT), Column("On accepted leads", PERCENT), Column("Suggested change")],
        note="Every verdict on a lead the active version qualified, whatever the period.",
    )  # fmt: skip
    if version is None:
        return table
    params = scope.params | {"version": str(version.pk)}
    joined = "feedback_qualityfeedback AS q JOIN leads_handoff AS h ON h.id = q.handoff_id"
    where = f"""q.org_id = %(org)s AND h.org_id = %(org)s AND h.brief ->> 'criteria_version_id' = %(version)s
                {scope.handoffs("h")}"""
    counts = "count(*) FILTER (WHERE h.rejected_at IS NOT NULL), count(*) FILTER (WHERE h.accepted_at IS NOT NULL)"
    # The first row holds the totals: every verdict on the version's leads, on rejected and accepted ones.
    rows = fetch(
        f"""
        SELECT NULL, count(*), {counts} FROM {joined} WHERE {where}
        UNION ALL
        SELECT w.rule, count(*), {counts}
        FROM {joined} CROSS JOIN LATERAL unnest(q.wrong_criteria) AS w(rule) WHERE {where}
        GROUP BY w.rule
        """,  # noqa: S608
        params,
    )
    (_, total, rejected, accepted), marked = rows[0], sorted(rows[1:], key=lambda r: (-r[1], r[0]))
    rules = {rule.text: rule for rule in CriteriaRule.objects.filter(org_id=scope.org_id, version=version)}
    evidence = _evidence(scope, params, [rules[text] for text, *_ in marked if text in rules])
    for text, wrong, wrong_rejected, wrong_accepted in marked:
        rule = rules.get(text)
        facts = RuleFacts(text, rule.attribute, rule.operator, rule.value, rule.required, rule.weight) if rule else None
        marks = Marks(wrong, wrong_rejected, wrong_accepted, total, rejected, accepted)
        table.rows.append(Row(
            [text, wrong, rate(wrong, total), rate(wrong_rejected, rejected), rate(wrong_accepted, accepted),
             suggestion(facts, marks, evidence.get(text, []))],
            details={2: f"{wrong} of {total}", 3: f"{wrong_rejected} of {rejected}",
                     4: f"{wrong_accepted} of {accepted}"},
        ))  # fmt: skip
    return table


def _evidence(scope: Scope, params: dict, rules: list[CriteriaRule]) -> dict[str, list[Evidence]]:
    """Per rule, the rated leads by their value of the rule's attribute: how many were marked wrong
    on it, how many were accepted without that mark. One statement for all the rules."""
    testable = [r for r in rules if r.attribute in NUMBER_COLUMNS or r.attribute in TEXT_COLUMNS]
    if not testable:
        return {}
    values = ", ".join(
        f"(%(rule_{n})s, {NUMBER_COLUMNS.get(r.attribute, 'NULL')}::numeric, "
        f"{TEXT_COLUMNS.get(r.attribute, 'NULL')}::text)"
        for n, r in enumerate(testable)
    )
    rows = fetch(
        f"""
        SELECT x.rule, x.num, x.txt,
               count(DISTINCT q.lead_id) FILTER (WHERE x.rule = ANY(q.wrong_criteria)),
               count(DISTINCT q.lead_id) FILTER (WHERE NOT x.rule = ANY(q.wrong_criteria) AND h.accepted_at IS NOT NULL)
        FROM feedback_qualityfeedback AS q JOIN leads_handoff AS h ON h.id = q.handoff_id
        JOIN leads_lead AS l ON l.id = q.lead_id
        CROSS JOIN LATERAL (VALUES {values}) AS x(rule, num, txt)
        WHERE q.org_id = %(org)s AND h.org_id = %(org)s AND h.brief ->> 'criteria_version_id' = %(version)s
              {scope.handoffs("h")} AND (x.num IS NOT NULL OR x.txt <> '')
        GROUP BY 1, 2, 3
        """,  # noqa: S608
        params | {f"rule_{n}": r.text for n, r in enumerate(testable)},
    )
    attribute = {r.text: r.attribute for r in testable}
    evidence: dict[str, list[Evidence]] = {}
    for text, number, code, wrong, good in rows:
        labels = CODE_LABELS.get(attribute[text], {})
        if number is not None:
            value, label = number, f"{number:,}"
        else:
            value, label = code, str(labels[code]).lower() if code in labels else code
        evidence.setdefault(text, []).append(Evidence(value, label, wrong, good))
    return evidence
