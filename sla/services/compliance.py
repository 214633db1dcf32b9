"""Compliance: each objective's figure per period, for the organization, its team and each rep.

One SQL statement per objective and period reads the raw rows (hand-offs, clocks, leads) and
another writes the snapshots with INSERT ... ON CONFLICT DO UPDATE on their unique key: running it
again, or after a crash, gives the same rows. The current period is recomputed as it fills; a
closed period is computed once more in full and marked final.
"""

from datetime import date
from uuid import uuid4

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Organization
from sla.models import Objective
from sla.periods import bounds, period_start, previous_period_starts
from sla.selectors import active_agreement, compliance_generation_key

# Per metric: rows of (member id, or NULL for everyone; numerator; denominator) for [start, end).
FIGURES = {
    "mqls_delivered": """
        SELECT NULL::bigint, count(*), 0 FROM leads_lead
        WHERE org_id = %(org)s AND qualified_at >= %(start)s AND qualified_at < %(end)s
    """,
    "mql_acceptance": """
        SELECT by_id, count(*) FILTER (WHERE accepted_at IS NOT NULL), count(*) FROM leads_handoff
        WHERE org_id = %(org)s AND COALESCE(accepted_at, rejected_at) >= %(start)s
          AND COALESCE(accepted_at, rejected_at) < %(end)s
        GROUP BY GROUPING SETS ((by_id), ())
    """,
    "handoffs_meeting_criteria": """
        SELECT by_id,
               count(*) FILTER (WHERE brief->>'criteria_version' IS NOT NULL
                                  AND COALESCE((brief->>'qualified_by_hand')::boolean, false) = false),
               count(*)
        FROM leads_handoff
        WHERE org_id = %(org)s AND handed_off_at >= %(start)s AND handed_off_at < %(end)s
        GROUP BY GROUPING SETS ((by_id), ())
    """,
    "clock": """
        SELECT owner_id, count(*) FILTER (WHERE state = 'met'), count(*) FROM sla_leadclock
        WHERE org_id = %(org)s AND objective_id = %(objective)s AND state IN ('met', 'breached')
          AND started_at >= %(start)s AND started_at < %(end)s
        GROUP BY GROUPING SETS ((owner_id), ())
    """,
    "leads_worked": """
        SELECT h.rep_id,
               count(*) FILTER (WHERE EXISTS (SELECT 1 FROM feedback_followup f
                                              WHERE f.org_id = h.org_id AND f.lead_id = h.lead_id
                                                AND f.occurred_at >= h.accepted_at)),
               count(*)
        FROM leads_handoff AS h
        WHERE h.org_id = %(org)s AND h.accepted_at >= %(start)s AND h.accepted_at < %(end)s
        GROUP BY GROUPING SETS ((h.rep_id), ())
    """,
    "close_rate": """
        SELECT owner_id, count(*) FILTER (WHERE status = 'won'), count(*) FROM leads_lead
        WHERE org_id = %(org)s AND status IN ('won', 'lost') AND closed_at >= %(start)s AND closed_at < %(end)s
        GROUP BY GROUPING SETS ((owner_id), ())
    """,
}
CLOCK_METRICS = ("response_time", "first_touch_time", "follow_ups")


# A day is plenty: compliance is recomputed every few minutes while an agreement is active.
GENERATION_KEPT = 24 * 3600


def compliance_changed(*, org_id: int) -> None:
    """The organization's compliance figures or agreement changed: pages rendered from the old ones
    (the dashboard keeps its SLA card) no longer count. Written in the caller's transaction (the
    cache is PostgreSQL's), so it counts exactly when the new snapshots do."""
    cache.set(compliance_generation_key(org_id), uuid4().hex, GENERATION_KEPT)


def _value(objective: Objective, numerator: int, denominator: int) -> float | None:
    if not objective.is_share:
        return float(numerator)
    return round(100 * numerator / denominator, 1) if denominator else None


@transaction.atomic
def compute_compliance(*, objective: Objective, start: date, final: bool = False) -> int:
    """Write the objective's snapshots for the period starting at `start`; returns how many rows."""
    org = Organization.objects.get(pk=objective.org_id)
    begin, end = bounds(objective.period, start, org.zone)
    query = FIGURES["clock" if objective.metric in CLOCK_METRICS else objective.metric]
    with connection.cursor() as cursor:
        cursor.execute(query, {"org": org.pk, "objective": objective.pk, "start": begin, "end": end})
        rows = cursor.fetchall()
    if not any(member is None for member, _, _ in rows):
        rows.append((None, 0, 0))
    snapshots = []
    for member, numerator, denominator in rows:
        value = _value(objective, numerator, denominator)
        met = None if value is None else value >= float(objective.target)
        scopes = [("rep", member)] if member is not None else [("org", None), ("team", None)]
        snapshots += [(scope, who, numerator, denominator, value, met) for scope, who in scopes]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO sla_compliancesnapshot AS s (org_id, objective_id, period_start, period_end, scope,
                member_id_key, member_id, numerator, denominator, value, met, final, computed_at)
            SELECT %s, %s, %s, %s, v.scope, COALESCE(v.member_id, 0), v.member_id, v.numerator, v.denominator,
                   v.value, v.met, %s, %s
            FROM unnest(%s::text[], %s::bigint[], %s::int[], %s::int[], %s::float8[], %s::boolean[])
                AS v(scope, member_id, numerator, denominator, value, met)
            ON CONFLICT (org_id, objective_id, period_start, scope, member_id_key) DO UPDATE SET
                numerator = EXCLUDED.numerator, denominator = EXCLUDED.denominator, value = EXCLUDED.value,
                met = EXCLUDED.met, final = EXCLUDED.final, computed_at = EXCLUDED.computed_at,
                period_end = EXCLUDED.period_end
            """,
            [
                org.pk, objective.pk, start, end.date(), final, timezone.now(),
                [s[0] for s in snapshots], [s[1] for s in snapshots], [s[2] for s in snapshots],
                [s[3] for s in snapshots], [s[4] for s in snapshots], [s[5] for s in snapshots],
            ],
        )  # fmt: skip
    compliance_changed(org_id=org.pk)
    return len(snapshots)


def compute_current_periods(*, org_id: int) -> int:
    """Every objective of the active agreement, for the period now running (not final yet)."""
    agreement = active_agreement(org_id=org_id)
    if agreement is None:
        return 0
    zone = Organization.objects.get(pk=org_id).zone
    today = timezone.now().astimezone(zone).date()
    return sum(compute_compliance(objective=o, start=period_start(o.period, today)) for o in agreement.objectives.all())


def compute_history(*, org_id: int, periods: int = 12) -> int:
    """The last `periods` periods of every objective of the active agreement; closed ones are final."""
    agreement = active_agreement(org_id=org_id)
    if agreement is None:
        return 0
    zone = Organization.objects.get(pk=org_id).zone
    today = timezone.now().astimezone(zone).date()
    written = 0
    for objective in agreement.objectives.all():
        starts = previous_period_starts(objective.period, today, periods)
        for start in starts:
            written += compute_compliance(objective=objective, start=start, final=start != starts[-1])
    return written
