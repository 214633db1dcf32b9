"""The dashboards' snapshot tables, rebuilt from the raw rows by SQL in one pass each.

FunnelDay: every lead contributes one row per stage it entered (one scan of the lead table, the
stages unnested with a lateral VALUES list), counted per day in the organization's time zone.
HandoffFact: one row per hand-off with its timings (stored in business seconds when they happened),
answer, work and outcome. Every few minutes the last two days are rebuilt; nightly, everything.

The nightly rebuild computes every row afresh but writes only the rows that differ from those
stored (and deletes those no longer computed): most of them have not changed since the night
before, and rewriting them all cost more than computing them. Its end state is the same as after
deleting everything and inserting it again.
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Organization
from feedback.dashboards.cache import new_generation

# One row per (lead, stage entered): the day, the stage and its value.
STAGES = """
    FROM leads_lead AS l
    LEFT JOIN feedback_outcome AS o ON o.lead_id = l.id
    CROSS JOIN LATERAL (VALUES
        (l.created_at, 'created'), (l.qualified_at, 'qualified'), (l.handed_off_at, 'handed_off'),
        (l.accepted_at, 'accepted'), (l.rejected_at, 'rejected'), (l.first_touch_at, 'worked'),
        (l.opportunity_at, 'opportunity'),
        (CASE WHEN l.status = 'won' THEN l.closed_at END, 'won'),
        (CASE WHEN l.status = 'lost' THEN l.closed_at END, 'lost')
    ) AS s(at, stage)
    WHERE l.org_id = %(org)s AND s.at IS NOT NULL {days}
"""
FUNNEL_SELECT = (
    """
    SELECT (s.at AT TIME ZONE %(zone)s)::date AS day, COALESCE(l.campaign_id, 0), l.source,
           COALESCE(l.owner_id, 0), COALESCE(l.criteria_version_id, 0),
           count(*) FILTER (WHERE s.stage = 'created'), count(*) FILTER (WHERE s.stage = 'qualified'),
           count(*) FILTER (WHERE s.stage = 'handed_off'), count(*) FILTER (WHERE s.stage = 'accepted'),
           count(*) FILTER (WHERE s.stage = 'rejected'), count(*) FILTER (WHERE s.stage = 'worked'),
           count(*) FILTER (WHERE s.stage = 'opportunity'), count(*) FILTER (WHERE s.stage = 'won'),
           count(*) FILTER (WHERE s.stage = 'lost'),
           COALESCE(sum(o.won_value) FILTER (WHERE s.stage = 'won'), 0)
    """
    + STAGES
    + " GROUP BY 1, 2, 3, 4, 5"
)
FACT_SELECT = """
    SELECT h.org_id, h.id, (h.handed_off_at AT TIME ZONE %(zone)s)::date, COALESCE(l.campaign_id, 0), l.source,
           h.rep_id, COALESCE((h.brief->>'criteria_version_id')::bigint, 0), (h.brief->>'fit_score')::smallint,
           h.accepted_at IS NOT NULL, h.rejected_at IS NOT NULL, h.reject_reason,
           h.accepted_at IS NOT NULL AND h.first_touch_seconds IS NOT NULL,
           h.accepted_at IS NOT NULL AND l.status = 'won', h.accepted_at IS NOT NULL AND l.status = 'lost',
           h.response_seconds, h.first_touch_seconds, q.fit, %(now)s
    FROM leads_handoff AS h
    JOIN leads_lead AS l ON l.id = h.lead_id
    {quality}
    WHERE h.org_id = %(org)s {since}
"""
# Reps' ratings of each hand-off: looked up per hand-off for the few that moved; for all of them at
# once, averaged in one grouped pass (a lookup per hand-off was most of a rebuild's time).
QUALITY_OF_EACH = """LEFT JOIN LATERAL (
        SELECT round(avg(fit))::smallint AS fit FROM feedback_qualityfeedback WHERE handoff_id = h.id
    ) AS q ON true"""
QUALITY_OF_ALL = """LEFT JOIN (
        SELECT handoff_id, round(avg(fit))::smallint AS fit FROM feedback_qualityfeedback
        WHERE org_id = %(org)s GROUP BY handoff_id
    ) AS q ON q.handoff_id = h.id"""
FACT_COLUMNS = (
    "org_id, handoff_id, day, campaign_key, source, rep_key, version_key, fit_score, accepted, rejected, "
    "reject_reason, worked, won, lost, response_seconds, first_touch_seconds, quality_fit, refreshed_at"
)

FACT_VALUES = [c for c in FACT_COLUMNS.split(", ") if c not in ("handoff_id", "refreshed_at")]


def _each(template: str, columns) -> str:
    """A fixed list of column names, one SQL piece each: `_each("d.{}", ("day", "source"))` is "d.day, d.source"."""
    return ", ".join(template.format(column) for column in columns)


# Every fact computed; facts of hand-offs no longer there go, the others are inserted or, where they
# differ from the stored ones, updated. Fixed column names only; every value is bound.
FACTS_REBUILD = f"""
    WITH fresh ({FACT_COLUMNS}) AS MATERIALIZED ({FACT_SELECT.format(since="", quality=QUALITY_OF_ALL)}),
    gone AS (
        DELETE FROM feedback_handofffact AS d WHERE d.org_id = %(org)s
        AND NOT EXISTS (SELECT 1 FROM fresh WHERE fresh.handoff_id = d.handoff_id)
    )
    INSERT INTO feedback_handofffact ({FACT_COLUMNS}) SELECT * FROM fresh
    ON CONFLICT (handoff_id) DO UPDATE SET {_each("{0} = EXCLUDED.{0}", [*FACT_VALUES, "refreshed_at"])}
    WHERE ({_each("feedback_handofffact.{}", FACT_VALUES)}) IS DISTINCT FROM ({_each("EXCLUDED.{}", FACT_VALUES)})
"""  # noqa: S608


def _zone(org_id: int) -> str:
    return Organization.objects.values_list("time_zone", flat=True).get(pk=org_id)


# Days whose funnel rows must be rebuilt: every day any stage of a lead that moved since `since` falls on,
# and every day one fell on before it moved. A stage entered again (a returned lead qualified anew, an
# earlier first touch logged later) overwrites its stamp; the day it held was a day of one of the
# lead's recorded status changes or follow-ups.
CHANGED_DAYS = """
    WITH moved AS (SELECT id FROM leads_lead WHERE org_id = %(org)s AND updated_at >= %(since)s)
    SELECT (s.at AT TIME ZONE %(zone)s)::date
    FROM leads_lead AS l JOIN moved ON moved.id = l.id
    CROSS JOIN LATERAL (VALUES (l.created_at), (l.qualified_at), (l.handed_off_at), (l.accepted_at), (l.rejected_at),
                               (l.first_touch_at), (l.opportunity_at), (l.closed_at)) AS s(at)
    WHERE s.at IS NOT NULL
    UNION
    SELECT (c.at AT TIME ZONE %(zone)s)::date
    FROM leads_leadstatuschange AS c JOIN moved ON moved.id = c.lead_id WHERE c.org_id = %(org)s
    UNION
    SELECT (f.occurred_at AT TIME ZONE %(zone)s)::date
    FROM feedback_followup AS f JOIN moved ON moved.id = f.lead_id WHERE f.org_id = %(org)s
"""
# A lead's update time is taken before its transaction commits: look back far enough to see late commits.
COMMIT_MARGIN = timedelta(minutes=15)


def _tune(cursor) -> None:
    # One large aggregate per refresh: hashing it in memory beats sorting on disk, and compiling it
    # to machine code (JIT) costs more than it saves at this size.
    cursor.execute("SET LOCAL work_mem = '64MB'")
    cursor.execute("SET LOCAL jit = off")


FUNNEL_KEY = ("day", "campaign_key", "source", "owner_key", "version_key")
FUNNEL_COUNTS = ("created", "qualified", "handed_off", "accepted", "rejected", "worked", "opportunity", "won", "lost",
                 "won_value")  # fmt: skip
FUNNEL_TYPES = ("date", "bigint", "varchar", "bigint", "bigint", *["bigint"] * 9, "numeric")
# The funnel rows computed, handed back as arrays: rows no longer computed go, the others are
# inserted or, where they differ from the stored ones, updated. Fixed names and types; values bound.
FUNNEL_WRITE = f"""
    WITH fresh ({_each("{}", FUNNEL_KEY + FUNNEL_COUNTS)}) AS (
        SELECT * FROM unnest({", ".join(f"%(c{n})s::{kind}[]" for n, kind in enumerate(FUNNEL_TYPES))})
    ), gone AS (
        DELETE FROM feedback_funnelday AS d WHERE d.org_id = %(org)s AND NOT EXISTS (
            SELECT 1 FROM fresh AS f WHERE ({_each("f.{}", FUNNEL_KEY)}) = ({_each("d.{}", FUNNEL_KEY)})
        )
    )
    INSERT INTO feedback_funnelday (org_id, refreshed_at, {_each("{}", FUNNEL_KEY + FUNNEL_COUNTS)})
    SELECT %(org)s, %(now)s, fresh.* FROM fresh
    ON CONFLICT (org_id, {_each("{}", FUNNEL_KEY)}) DO UPDATE SET
        refreshed_at = EXCLUDED.refreshed_at, {_each("{0} = EXCLUDED.{0}", FUNNEL_COUNTS)}
    WHERE ({_each("feedback_funnelday.{}", FUNNEL_COUNTS)}) IS DISTINCT FROM ({_each("EXCLUDED.{}", FUNNEL_COUNTS)})
"""  # noqa: S608


def _stamp(cursor, table: str, params: dict) -> None:
    """A rebuild that found nothing changed still counts as one: the rows of the last two days are
    stamped, as the figures' "as of" (feedback.dashboards.scope) and the next incremental refresh read them."""
    cursor.execute(
        f"UPDATE {table} SET refreshed_at = %(now)s WHERE org_id = %(org)s "  # noqa: S608 -- a fixed table name
        f"AND day >= (SELECT max(day) FROM {table} WHERE org_id = %(org)s) - 2 AND refreshed_at <> %(now)s",
        params,
    )


def _rebuild_funnel(cursor, params: dict) -> int:
    # Computed by a plain SELECT, which PostgreSQL may spread over several workers: it never does
    # for the SELECT of an INSERT, and the aggregate over every stage of every lead is the bulk of the work.
    cursor.execute(FUNNEL_SELECT.format(days=""), params)
    rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(FUNNEL_TYPES)
    cursor.execute(FUNNEL_WRITE, params | {f"c{n}": list(values) for n, values in enumerate(columns)})
    _stamp(cursor, "feedback_funnelday", params)
    return len(rows)


def refresh_funnel(*, org_id: int, days: list[date] | None = None) -> int:
    """Rebuild the funnel rows of these days (all days when None). Returns how many rows now stand."""
    params = {"org": org_id, "zone": _zone(org_id), "now": timezone.now(), "days": days}
    day_filter = "AND (s.at AT TIME ZONE %(zone)s)::date = ANY(%(days)s)" if days is not None else ""
    with transaction.atomic(), connection.cursor() as cursor:
        _tune(cursor)
        if days is None:
            return _rebuild_funnel(cursor, params)
        cursor.execute("DELETE FROM feedback_funnelday WHERE org_id = %(org)s AND day = ANY(%(days)s)", params)
        cursor.execute(
            # fixed SQL pieces only; every value is bound
            "INSERT INTO feedback_funnelday (day, campaign_key, source, owner_key, version_key, created, qualified, "  # noqa: S608
            "handed_off, accepted, rejected, worked, opportunity, won, lost, won_value, org_id, refreshed_at) "
            f"SELECT f.*, %(org)s, %(now)s FROM ({FUNNEL_SELECT.format(days=day_filter)}) AS f",
            params,
        )
        return cursor.rowcount


def refresh_handoff_facts(*, org_id: int, since=None) -> int:
    """Rebuild the facts of hand-offs that moved since `since` (all of them when None)."""
    params = {"org": org_id, "zone": _zone(org_id), "now": timezone.now(), "since": since}
    with transaction.atomic(), connection.cursor() as cursor:
        _tune(cursor)
        if since is None:
            cursor.execute(FACTS_REBUILD, params)
            _stamp(cursor, "feedback_handofffact", params)
            cursor.execute("SELECT count(*) FROM feedback_handofffact WHERE org_id = %(org)s", params)
            return cursor.fetchone()[0]
        since_filter = (
            "AND (h.handed_off_at >= %(since)s OR h.accepted_at >= %(since)s OR h.rejected_at >= %(since)s "
            "OR l.updated_at >= %(since)s "
            "OR EXISTS (SELECT 1 FROM feedback_qualityfeedback AS qf "
            "WHERE qf.handoff_id = h.id AND qf.at >= %(since)s))"
        )
        moved = FACT_SELECT.format(since=since_filter, quality=QUALITY_OF_EACH)
        cursor.execute(
            f"INSERT INTO feedback_handofffact ({FACT_COLUMNS}) {moved} "
            "ON CONFLICT (handoff_id) DO UPDATE SET "
            + ", ".join(f"{c} = EXCLUDED.{c}" for c in FACT_COLUMNS.split(", ") if c not in ("org_id", "handoff_id")),
            params,
        )
        return cursor.rowcount


def last_refreshed(*, org_id: int):
    """When the organization's snapshots were last rebuilt; None when never, or when hand-offs have
    no facts yet (the facts table was rebuilt empty): then only a full refresh is right."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT CASE WHEN EXISTS (SELECT 1 FROM leads_handoff WHERE org_id = %(org)s)
                         AND NOT EXISTS (SELECT 1 FROM feedback_handofffact WHERE org_id = %(org)s) THEN NULL
                        ELSE (SELECT max(refreshed_at) FROM feedback_funnelday WHERE org_id = %(org)s) END
            """,
            {"org": org_id},
        )
        return cursor.fetchone()[0]


def refresh_dashboards(*, org_id: int, full: bool = False) -> dict:
    """Nightly in full; every few minutes, the days touched by leads that moved since the last run
    (today's and yesterday's always) and the hand-offs that moved."""
    previous = None if full else last_refreshed(org_id=org_id)
    if previous is None:
        done = {"funnel": refresh_funnel(org_id=org_id), "facts": refresh_handoff_facts(org_id=org_id)}
        new_generation(org_id=org_id)
        return done
    zone = _zone(org_id)
    since = previous - COMMIT_MARGIN
    today = timezone.now().astimezone(ZoneInfo(zone)).date()
    with connection.cursor() as cursor:
        cursor.execute(CHANGED_DAYS, {"org": org_id, "zone": zone, "since": since})
        days = {day for (day,) in cursor.fetchall()} | {today - timedelta(days=1), today}
    done = {
        "funnel": refresh_funnel(org_id=org_id, days=sorted(days)),
        "facts": refresh_handoff_facts(org_id=org_id, since=since),
    }
    new_generation(org_id=org_id)
    return done
