"""The alignment dashboard's figures: funnel, MQLs month against month, acceptance, hand-off timings,
close rates, and the rep table. Each reads FunnelDay or HandoffFact within the member's scope.

The funnel and the close rates count leads by the day they entered a stage (by their owner now);
acceptance, timings and the rep table count the hand-offs made in the period (by the rep who got them).
"""

from datetime import date, timedelta

from accounts.roles import Role
from feedback.dashboards.scope import (
    ACCEPTANCE,
    CLOSE_RATES,
    FACTS_AS_OF,
    FUNNEL,
    FUNNEL_AS_OF,
    MQL,
    REPS,
    TIMINGS,
    Column,
    Figures,
    Scope,
    freshness,
    hours,
    oldest,
    rate,
    require,
    rounded,
    rows_of,
    snapshot_where,
)
from leads.models import HandOff

STAGES = ["created", "qualified", "handed_off", "accepted", "worked", "opportunity", "won"]
STAGE_LABELS = {"created": "New", "qualified": "MQL", "handed_off": "Handed off", "accepted": "Accepted",
                "worked": "Working", "opportunity": "Opportunity", "won": "Won"}  # fmt: skip
CLOSE_RATES_BY = {"source": "Source", "campaign": "Campaign", "version": "Criteria version"}


def funnel(scope: Scope) -> Figures:
    """Leads entering each stage in the period, and what share of the stage before that is."""
    require(scope, FUNNEL)
    where, params = snapshot_where(scope, owner_column="owner_key")
    (row,) = rows_of(
        # fixed column names only; every value is bound
        f"SELECT {', '.join(f'COALESCE(sum({s}), 0)' for s in STAGES)}, {FUNNEL_AS_OF} "  # noqa: S608
        f"FROM feedback_funnelday WHERE {where}",
        params,
    )
    totals = [int(n) for n in row[:-1]]
    figures = Figures([Column("stage", "Stage"), Column("leads", "Leads"),
                       Column("of_stage_before_pct", "Of the stage before (%)")], as_of=row[-1])  # fmt: skip
    for n, (stage, count) in enumerate(zip(STAGES, totals, strict=True)):
        figures.rows.append([STAGE_LABELS[stage], count, rate(count, totals[n - 1]) if n else None])
    return figures


def month_before(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def _is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


def mql(scope: Scope) -> Figures:
    """MQL volume and quality: the month of the period's end (up to that day) against the whole month before.

    Quality: how many were handed off, the share sales accepted, the fit score they were handed off
    with and the fit reps rated them (1-5).
    """
    require(scope, MQL)
    end = scope.filters.end
    this_month, last_month = end.replace(day=1), month_before(end)
    where, params = snapshot_where(scope, owner_column="owner_key", start=last_month, end=end)
    params["month"] = this_month
    ((last_mqls, this_mqls, funnel_as_of),) = rows_of(
        f"SELECT COALESCE(sum(qualified) FILTER (WHERE day < %(month)s), 0), "  # noqa: S608
        f"COALESCE(sum(qualified) FILTER (WHERE day >= %(month)s), 0), {FUNNEL_AS_OF} "
        f"FROM feedback_funnelday WHERE {where}",
        params,
    )
    where, params = snapshot_where(scope, owner_column="rep_key", start=last_month, end=end)
    params["month"] = this_month
    facts = rows_of(
        f"""
        SELECT day >= %(month)s, count(*), count(*) FILTER (WHERE accepted),
               count(*) FILTER (WHERE accepted OR rejected), avg(fit_score), avg(quality_fit), {FACTS_AS_OF}
        FROM feedback_handofffact WHERE {where} GROUP BY 1
        """,  # noqa: S608
        params,
    )
    facts_as_of = facts[0][-1] if facts else freshness(FACTS_AS_OF, params)
    by_month = {is_this: rest[:-1] for is_this, *rest in facts}
    this_label = f"{this_month:%B %Y}" + ("" if _is_month_end(end) else f" (1–{end.day})")
    figures = Figures(
        [Column("measure", "Measure"), Column("last_month", f"{last_month:%B %Y}"), Column("this_month", this_label)],
        as_of=oldest(funnel_as_of, facts_as_of),
    )
    months = [(int(last_mqls), *by_month.get(False, (0, 0, 0, None, None))),
              (int(this_mqls), *by_month.get(True, (0, 0, 0, None, None)))]  # fmt: skip
    figures.rows = [
        ["MQLs", *(m[0] for m in months)],
        ["Handed off", *(m[1] for m in months)],
        ["Accepted by sales (%)", *(rate(m[2], m[3]) for m in months)],
        ["Fit score at hand-off (average)", *(rounded(m[4]) for m in months)],
        ["Fit rated by reps (1-5, average)", *(rounded(m[5]) for m in months)],
    ]
    figures.summary = {"last_month": last_month, "this_month": this_month, "this_month_end": end}
    return figures


def acceptance(scope: Scope) -> Figures:
    """How sales answered the period's hand-offs, rejections by reason, and how many accepted leads were worked."""
    require(scope, ACCEPTANCE)
    where, params = snapshot_where(scope, owner_column="rep_key")
    reasons = HandOff.RejectReason.choices
    by_reason = ", ".join(f"count(*) FILTER (WHERE rejected AND reject_reason = %(r{n})s)" for n in range(len(reasons)))
    params |= {f"r{n}": value for n, (value, _) in enumerate(reasons)}
    (row,) = rows_of(
        f"""
        SELECT count(*), count(*) FILTER (WHERE accepted OR rejected), count(*) FILTER (WHERE accepted),
               count(*) FILTER (WHERE accepted AND worked), {by_reason}, {FACTS_AS_OF}
        FROM feedback_handofffact WHERE {where}
        """,  # noqa: S608
        params,
    )
    handed, answered, accepted, worked, *rejected, as_of = row
    figures = Figures([Column("step", "Hand-offs"), Column("count", "Count"), Column("rate_pct", "Rate (%)"),
                       Column("rate_of", "Rate of")], as_of=as_of)  # fmt: skip
    figures.rows = [
        ["Handed off", handed, None, ""],
        ["Answered", answered, rate(answered, handed), "handed off"],
        ["Accepted", accepted, rate(accepted, answered), "answered"],
        *[[f"Rejected: {label.lower()}", count, rate(count, answered), "answered"]
          for (_, label), count in zip(reasons, rejected, strict=True)],
        ["Accepted and worked", worked, rate(worked, accepted), "accepted"],
    ]  # fmt: skip
    figures.summary = {"acceptance_pct": rate(accepted, answered), "worked_pct": rate(worked, accepted),
                       "handed_off": handed, "answered": answered, "accepted": accepted}  # fmt: skip
    return figures


def handoff_timings(scope: Scope) -> Figures:
    """Time to answer a hand-off, and from accepting to the first touch: median and 90th percentile,
    in business hours (as stored when they happened)."""
    require(scope, TIMINGS)
    where, params = snapshot_where(scope, owner_column="rep_key")
    (row,) = rows_of(
        f"""
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY response_seconds),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY response_seconds), count(response_seconds),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY first_touch_seconds) FILTER (WHERE accepted),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY first_touch_seconds) FILTER (WHERE accepted),
               count(first_touch_seconds) FILTER (WHERE accepted), {FACTS_AS_OF}
        FROM feedback_handofffact WHERE {where}
        """,  # noqa: S608
        params,
    )
    figures = Figures(
        [Column("measure", "Measure"), Column("median_hours", "Median (h)"),
         Column("p90_hours", "90th percentile (h)"), Column("hand_offs", "Hand-offs")],
        as_of=row[6],
    )  # fmt: skip
    figures.rows = [
        ["Answer (accept or reject)", hours(row[0]), hours(row[1]), row[2]],
        ["First touch after accepting", hours(row[3]), hours(row[4]), row[5]],
    ]
    return figures


def close_rates(scope: Scope, *, by: str) -> Figures:
    """Leads won and lost in the period by source, campaign or criteria version, and the close rate."""
    require(scope, CLOSE_RATES)
    key = {
        "source": "COALESCE(NULLIF(f.source, ''), '(no source)')",
        "campaign": "COALESCE(c.name, '(no campaign)')",
        "version": "COALESCE('Version ' || v.number, '(no version)')",
    }[by]
    where, params = snapshot_where(scope, owner_column="owner_key", alias="f")
    rows = rows_of(
        f"""
        SELECT {key}, sum(f.won), sum(f.lost), sum(f.won_value), {FUNNEL_AS_OF}
        FROM feedback_funnelday AS f
        LEFT JOIN leads_campaign AS c ON c.id = f.campaign_key AND c.org_id = f.org_id
        LEFT JOIN leads_criteriaversion AS v ON v.id = f.version_key AND v.org_id = f.org_id
        WHERE {where}
        GROUP BY 1 HAVING sum(f.won) + sum(f.lost) > 0 ORDER BY sum(f.won) + sum(f.lost) DESC, 1
        """,  # noqa: S608
        params,
    )
    figures = Figures([Column(by, CLOSE_RATES_BY[by]), Column("won", "Won"), Column("lost", "Lost"),
                       Column("close_rate_pct", "Close rate (%)"), Column("won_value", "Won value")])  # fmt: skip
    figures.rows = [
        [name, int(won), int(lost), rate(won, won + lost), float(value)] for name, won, lost, value, _ in rows
    ]
    figures.as_of = rows[0][-1] if rows else freshness(FUNNEL_AS_OF, params)
    return figures


def rep_table(scope: Scope) -> Figures:
    """The leaderboard: per rep, the hand-offs received in the period, answers, timings, work, won and lost.

    Every active sales rep in scope has a row, with zeros when no lead reached them; anyone else (a
    sales manager, a former rep) only when they received hand-offs in the period. Most won first.
    """
    require(scope, REPS)
    where, params = snapshot_where(scope, owner_column="rep_key")
    only = "AND m.id = ANY(%(reps)s)" if scope.reps is not None else ""
    rows = rows_of(
        f"""
        WITH f AS (
            SELECT rep_key, count(*) AS handed, count(*) FILTER (WHERE accepted) AS accepted,
                   count(*) FILTER (WHERE rejected) AS rejected,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY response_seconds) AS answer,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY first_touch_seconds) FILTER (WHERE accepted) AS touch,
                   count(*) FILTER (WHERE accepted AND worked) AS worked, count(*) FILTER (WHERE won) AS won,
                   count(*) FILTER (WHERE lost) AS lost
            FROM feedback_handofffact WHERE {where} GROUP BY rep_key
        )
        SELECT COALESCE(NULLIF(u.full_name, ''), u.email), COALESCE(f.handed, 0), COALESCE(f.accepted, 0),
               COALESCE(f.rejected, 0), f.answer, f.touch, COALESCE(f.worked, 0), COALESCE(f.won, 0),
               COALESCE(f.lost, 0), {FACTS_AS_OF}
        FROM accounts_membership AS m JOIN accounts_user AS u ON u.id = m.user_id
        LEFT JOIN f ON f.rep_key = m.id
        WHERE m.org_id = %(org)s AND (f.rep_key IS NOT NULL OR (m.role = %(rep_role)s AND m.is_active)) {only}
        ORDER BY 8 DESC, 2 DESC, 1, m.id
        """,  # noqa: S608
        params | {"rep_role": Role.SALES_REP},
    )
    figures = Figures([
        Column("rep", "Rep"), Column("handed_off", "Handed off"), Column("accepted", "Accepted"),
        Column("rejected", "Rejected"), Column("acceptance_pct", "Acceptance (%)"),
        Column("answer_median_hours", "Answer, median (h)"),
        Column("first_touch_median_hours", "First touch, median (h)"),
        Column("worked_pct", "Worked (%)"), Column("won", "Won"), Column("lost", "Lost"),
        Column("close_rate_pct", "Close rate (%)"),
    ])  # fmt: skip
    for name, handed, accepted, rejected, answer, touch, worked, won, lost, _ in rows:
        figures.rows.append([
            name, handed, accepted, rejected, rate(accepted, accepted + rejected), hours(answer), hours(touch),
            rate(worked, accepted), won, lost, rate(won, won + lost),
        ])  # fmt: skip
    figures.as_of = rows[0][-1] if rows else freshness(FACTS_AS_OF, params)
    return figures
