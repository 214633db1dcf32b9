"""Dashboards and the lead export, each against hand-written SQL or COPY in the same run.

refresh: rebuilding every snapshot row of the bench org (FunnelDay, HandoffFact) vs hand-written SQL
    computing the same figures from the raw rows (leads entering each stage per day, campaign, source,
    owner and criteria version; each hand-off's timings, answer and outcome) and fetching them: the
    refresh's cost over computing its figures is the cost of keeping them. Noted too: the refresh vs
    the dashboard's own figures straight from the raw rows (below), all history at once.
page: the Dashboard page served by gunicorn under wrk -c4 (median latency) vs hand-written SQL computing
    the dashboard's figures (funnel, timings, close rates, rep table) from the raw leads and hand-offs:
    what a dashboard without snapshots would run on every view.
export: the lead list's CSV download of the bench org's 100k leads over HTTP vs
    `COPY (SELECT ...) TO STDOUT` of the same columns.
"""

import statistics
import time
import urllib.request

from django.db import connection

from accounts.models import Membership
from bench.data import bench_org, session_cookie
from bench.harness import Result, alternate, timed
from bench.http import gunicorn, wrk
from bench.scenarios.sla import bench_reps
from feedback.services.snapshots import refresh_dashboards

# Stage timestamps that follow from each lead's status, hand-offs to ten reps, outcomes with values.
STAGES_SQL = """
UPDATE leads_lead SET
    qualified_at = CASE WHEN status NOT IN ('new', 'nurturing') THEN created_at + interval '1 day' END,
    handed_off_at = CASE WHEN status IN ('handed_off', 'accepted', 'working', 'won', 'lost')
                         THEN created_at + interval '2 days' END,
    accepted_at = CASE WHEN status IN ('accepted', 'working', 'won', 'lost')
                       THEN created_at + interval '2 days' + (id %% 9) * interval '1 hour' END,
    first_touch_at = CASE WHEN status IN ('working', 'won', 'lost') THEN created_at + interval '3 days' END,
    opportunity_at = CASE WHEN status IN ('won', 'lost') THEN created_at + interval '10 days' END,
    closed_at = CASE WHEN status IN ('won', 'lost') THEN created_at + interval '30 days' END,
    owner_id = CASE WHEN status IN ('handed_off', 'accepted', 'working', 'won', 'lost')
                    THEN (%(reps)s::bigint[])[1 + id %% 10] END
WHERE org_id = %(org)s
"""
HANDOFFS_SQL = """
INSERT INTO leads_handoff (org_id, lead_id, rep_id, by_id, note, routing, brief, handed_off_at, accepted_at,
    reject_reason, reject_note, response_seconds, first_touch_seconds, assets_before)
SELECT l.org_id, l.id, l.owner_id, %(by)s, '', 'bench', jsonb_build_object('fit_score', l.fit_score),
       l.handed_off_at, l.accepted_at, '', '',
       CASE WHEN l.accepted_at IS NOT NULL THEN (l.id %% 9) * 3600 END,
       CASE WHEN l.first_touch_at IS NOT NULL THEN 8 * 3600 + (l.id %% 13) * 600 END, '{}'
FROM leads_lead AS l WHERE l.org_id = %(org)s AND l.handed_off_at IS NOT NULL
"""
OUTCOMES_SQL = """
INSERT INTO feedback_outcome (org_id, lead_id, opportunity_value, won_value, competitor, helped_tactic, updated_at)
SELECT l.org_id, l.id, 1000 + l.id %% 5000, CASE WHEN l.status = 'won' THEN 1000 + l.id %% 5000 END, '', '',
       l.closed_at
FROM leads_lead AS l WHERE l.org_id = %(org)s AND l.status IN ('won', 'lost')
"""
# The snapshots' figures, written independently of the refresh's SQL: one grouped count per stage.
RAW_SNAPSHOT_FIGURES_SQL = [
    " UNION ALL ".join(
        f"""SELECT ({column} AT TIME ZONE 'UTC')::date, campaign_id, source, owner_id, criteria_version_id,
                   '{stage}', count(*), sum(value)
            FROM (SELECT l.*, o.won_value AS value FROM leads_lead AS l
                  LEFT JOIN feedback_outcome AS o ON o.lead_id = l.id) AS l
            WHERE org_id = %(org)s AND {column} IS NOT NULL {extra}
            GROUP BY 1, 2, 3, 4, 5"""
        for stage, column, extra in [
            ("created", "created_at", ""),
            ("qualified", "qualified_at", ""),
            ("handed_off", "handed_off_at", ""),
            ("accepted", "accepted_at", ""),
            ("rejected", "rejected_at", ""),
            ("worked", "first_touch_at", ""),
            ("opportunity", "opportunity_at", ""),
            ("won", "closed_at", "AND status = 'won'"),
            ("lost", "closed_at", "AND status = 'lost'"),
        ]
    ),
    """
    SELECT h.id, (h.handed_off_at AT TIME ZONE 'UTC')::date, l.campaign_id, l.source, h.rep_id,
           h.brief->>'criteria_version_id', h.brief->>'fit_score', h.accepted_at IS NOT NULL,
           h.rejected_at IS NOT NULL, h.reject_reason, h.accepted_at IS NOT NULL AND h.first_touch_seconds IS NOT NULL,
           l.status = 'won', l.status = 'lost', h.response_seconds, h.first_touch_seconds,
           (SELECT avg(fit) FROM feedback_qualityfeedback AS q WHERE q.handoff_id = h.id)
    FROM leads_handoff AS h JOIN leads_lead AS l ON l.id = h.lead_id WHERE h.org_id = %(org)s
    """,
]
# The dashboard's figures over the raw rows, all time: funnel per stage, answer and first-touch
# percentiles, close rate by source, campaign and criteria version, the rep table.
RAW_FIGURES_SQL = """
WITH stages AS (
    SELECT count(*) AS created, count(qualified_at) AS qualified, count(handed_off_at) AS handed_off,
           count(accepted_at) AS accepted, count(first_touch_at) AS worked, count(opportunity_at) AS opportunity,
           count(*) FILTER (WHERE status = 'won') AS won
    FROM leads_lead WHERE org_id = %(org)s
), timings AS (
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY response_seconds) AS answer_p50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY response_seconds) AS answer_p90,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY first_touch_seconds) AS touch_p50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY first_touch_seconds) AS touch_p90
    FROM leads_handoff WHERE org_id = %(org)s
), closes AS (
    SELECT l.source, l.campaign_id, l.criteria_version_id, count(*) FILTER (WHERE l.status = 'won') AS won,
           count(*) FILTER (WHERE l.status = 'lost') AS lost, sum(o.won_value) AS value
    FROM leads_lead AS l LEFT JOIN feedback_outcome AS o ON o.lead_id = l.id
    WHERE l.org_id = %(org)s AND l.closed_at IS NOT NULL
    GROUP BY GROUPING SETS ((l.source), (l.campaign_id), (l.criteria_version_id))
), reps AS (
    SELECT h.rep_id, count(*) AS handed, count(h.accepted_at) AS accepted,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY h.response_seconds) AS answer_p50,
           count(*) FILTER (WHERE l.status = 'won') AS won, count(*) FILTER (WHERE l.status = 'lost') AS lost
    FROM leads_handoff AS h JOIN leads_lead AS l ON l.id = h.lead_id
    WHERE h.org_id = %(org)s GROUP BY h.rep_id
)
SELECT (SELECT row_to_json(stages) FROM stages), (SELECT row_to_json(timings) FROM timings),
       (SELECT json_agg(closes) FROM closes), (SELECT json_agg(reps) FROM reps)
"""


def _setup(member: Membership) -> list[int]:
    reps = bench_reps(member)
    params = {"org": member.org_id, "reps": reps, "by": member.pk}
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sla_clocknotice WHERE org_id = %(org)s", params)
        cursor.execute("DELETE FROM sla_leadclock WHERE org_id = %(org)s", params)
        cursor.execute("DELETE FROM leads_handoff WHERE org_id = %(org)s", params)
        cursor.execute("DELETE FROM feedback_outcome WHERE org_id = %(org)s", params)
        cursor.execute(STAGES_SQL, params)
        cursor.execute(HANDOFFS_SQL, params)
        cursor.execute(OUTCOMES_SQL, params)
        cursor.execute("VACUUM ANALYZE leads_lead")
        cursor.execute("VACUUM ANALYZE leads_handoff")
        cursor.execute("VACUUM ANALYZE feedback_outcome")
    return reps


def _raw_snapshot_figures(org_id: int) -> None:
    with connection.cursor() as cursor:
        for sql in RAW_SNAPSHOT_FIGURES_SQL:
            cursor.execute(sql, {"org": org_id})
            cursor.fetchall()


def _raw_figures(org_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(RAW_FIGURES_SQL, {"org": org_id})
        cursor.fetchall()


def _download(url: str, cookie: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 -- our own http URL
    size = 0
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
        assert response.status == 200
        while chunk := response.read(1 << 16):
            size += len(chunk)
    return size


def _copy_rows(org_id: int) -> int:
    """The export's columns straight out of COPY, no formatting: the ceiling of any export."""
    size = 0
    with connection.cursor() as cursor:
        statement = (
            "COPY (SELECT l.id, l.first_name, l.last_name, l.email, l.phone, l.job_title, l.company_name, l.industry,"
            " l.employees, l.country, l.source, c.name, l.status, l.fit_score, l.engagement_score, u.email,"
            " l.created_at, l.qualified_at, l.handed_off_at, l.accepted_at, l.rejected_at, l.first_touch_at,"
            " l.closed_at FROM leads_lead AS l LEFT JOIN leads_campaign AS c ON c.id = l.campaign_id"
            " LEFT JOIN accounts_membership AS m ON m.id = l.owner_id LEFT JOIN accounts_user AS u ON u.id = m.user_id"
            " WHERE l.org_id = %s ORDER BY l.created_at DESC, l.id DESC) TO STDOUT WITH (FORMAT csv)"
        )
        with cursor.cursor.copy(statement, [org_id]) as copy:
            for row in copy:
                size += len(row)
    return size


def run(*, scale: str, env: dict) -> list[Result]:
    member = bench_org()
    org_id = member.org_id
    _setup(member)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM leads_lead WHERE org_id = %s", [org_id])
        (leads,) = cursor.fetchone()

    a, b = alternate(
        lambda: timed(lambda: _raw_snapshot_figures(org_id)),
        lambda: timed(lambda: refresh_dashboards(org_id=org_id, full=True)),
        rounds=3,
    )
    dashboard_sql = statistics.median(timed(lambda: _raw_figures(org_id)) for _ in range(3))
    notes = {"leads": leads, "refresh_vs_dashboard_sql": round(statistics.median(b) / dashboard_sql, 2)}
    results = [Result("dashboard_full_refresh", "s", a, b, "lower", 1.2, "<=1.2x", notes)]

    cookie = session_cookie(member)
    seconds = 6 if scale == "small" else 12
    pages: list[dict] = []
    exports: list[int] = []
    with gunicorn(env) as base:

        def page() -> float:
            pages.append(wrk(f"{base}/dashboard/", seconds=seconds, cookie=cookie))
            return pages[-1]["p50_ms"] / 1000

        a, b = alternate(lambda: timed(lambda: _raw_figures(org_id)), page, rounds=3)
        measured = pages[1:]
        assert all(r["non_2xx"] == 0 for r in measured), "the dashboard answered errors"
        p99 = max(r["p99_ms"] for r in measured)
        notes = {"page_rps": min(r["rps"] for r in measured), "page_p99_ms": p99, "p99_under_100ms": p99 < 100}
        results.append(Result("dashboard_page_vs_raw_sql", "s", a, b, "lower", 0.05, "<=0.05x", notes))

        def copy() -> float:
            started = time.perf_counter()
            exports.append(_copy_rows(org_id))
            return leads / (time.perf_counter() - started)

        def export() -> float:
            started = time.perf_counter()
            exports.append(_download(f"{base}/leads/export.csv", cookie))
            return leads / (time.perf_counter() - started)

        a, b = alternate(copy, export, rounds=3)
    results.append(Result("lead_csv_export", "rows/s", a, b, "higher", 0.20, ">=0.20x", {"leads": leads}))
    return results
