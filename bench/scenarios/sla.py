"""SLA clocks and compliance at scale, each against one hand-written SQL statement, same run.

sweep: 100k hand-offs with running clocks, of which a tenth is due a look; the sweep moves them (with
its notice rows and notifications) vs one UPDATE ... FROM (CTE) doing the same state changes.
compliance: one objective's figures for a period of 100k answered hand-offs (per rep, team and org,
written as snapshots) vs the one aggregate SELECT the snapshots are made of.
"""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from accounts.models import Membership, User
from accounts.roles import Role
from bench.data import bench_org
from bench.harness import Result, alternate, timed
from sla.models import Agreement, Objective
from sla.services.clocks import sweep_clocks
from sla.services.compliance import compute_compliance

DUE_SHARE = 10  # one clock in ten is due a look when the sweep runs


def bench_reps(member: Membership) -> list[int]:
    """Ten sales reps of the bench org (made once), by membership id."""
    reps = []
    for n in range(10):
        user = User.objects.filter(email=f"bench-rep{n}@bench.test").first() or User.objects.create_user(
            f"bench-rep{n}@bench.test", None, full_name=f"Bench Rep {n}"
        )
        rep, _ = Membership.objects.get_or_create(
            org=member.org, user=user, defaults={"role": Role.SALES_REP, "side": "sales"}
        )
        reps.append(rep.pk)
    return reps


def _setup(member: Membership) -> Objective:
    org = member.org
    agreement = Agreement.objects.filter(org=org, name="Bench agreement").first()
    if agreement is None:
        agreement = Agreement.objects.create(org=org, number=1, name="Bench agreement", status="active",
                                             created_by=member, activated_at=timezone.now())  # fmt: skip
    objective, _ = Objective.objects.get_or_create(
        org=org, agreement=agreement, position=0,
        defaults={"side": "sales", "metric": "response_time", "target": 90, "hours": 4, "statement": "bench"},
    )  # fmt: skip
    reps = bench_reps(member)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sla_clocknotice WHERE org_id = %s", [org.pk])
        cursor.execute("DELETE FROM sla_leadclock WHERE org_id = %s", [org.pk])
        cursor.execute("DELETE FROM leads_handoff WHERE org_id = %s", [org.pk])
        cursor.execute(
            """
            INSERT INTO leads_handoff (org_id, lead_id, rep_id, by_id, note, routing, brief, handed_off_at,
                accepted_at, reject_reason, reject_note, assets_before)
            SELECT l.org_id, l.id, (%s::bigint[])[1 + l.id %% 10], %s, '', 'bench', '{}',
                   now() - interval '20 days' + (l.id %% 1000) * interval '1 minute',
                   CASE WHEN l.id %% 4 = 0 THEN NULL
                        ELSE now() - interval '20 days' + (l.id %% 1000) * interval '1 minute'
                             + (l.id %% 7) * interval '1 hour' END, '', '', '{}'
            FROM leads_lead AS l WHERE l.org_id = %s
            """,
            [reps, member.pk, org.pk],
        )
        cursor.execute(
            """
            INSERT INTO sla_leadclock (org_id, lead_id, handoff_id, objective_id, owner_id, started_at, at_risk_at,
                due_at, state, next_check_at, met_at, breached_at)
            SELECT h.org_id, h.lead_id, h.id, %s, h.rep_id, h.handed_off_at, h.handed_off_at + interval '3 hours',
                   h.handed_off_at + interval '4 hours',
                   CASE WHEN h.accepted_at IS NULL THEN 'on_track'
                        WHEN h.accepted_at <= h.handed_off_at + interval '4 hours' THEN 'met' ELSE 'breached' END,
                   NULL, NULL, NULL
            FROM leads_handoff AS h WHERE h.org_id = %s
            """,
            [objective.pk, org.pk],
        )
    return objective


def _arm(org_id: int) -> int:
    """Running clocks again, a tenth of them due a look now, the rest later: the state a sweep meets."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sla_clocknotice WHERE org_id = %s", [org_id])
        cursor.execute("DELETE FROM accounts_notification WHERE org_id = %s", [org_id])
        cursor.execute(
            """
            UPDATE sla_leadclock SET state = 'on_track', breached_at = NULL,
                at_risk_at = CASE WHEN id %% %s = 0 THEN now() - interval '1 hour' ELSE now() + interval '1 day' END,
                due_at = CASE WHEN id %% %s = 0 THEN now() + interval '1 hour' ELSE now() + interval '2 days' END,
                next_check_at = CASE WHEN id %% %s = 0 THEN now() - interval '1 hour'
                                     ELSE now() + interval '1 day' END
            WHERE org_id = %s
            """,
            [DUE_SHARE, DUE_SHARE, DUE_SHARE, org_id],
        )
        cursor.execute("VACUUM ANALYZE sla_leadclock")
        cursor.execute("SELECT count(*) FROM sla_leadclock WHERE org_id = %s AND next_check_at <= now()", [org_id])
        return cursor.fetchone()[0]


def _raw_sweep() -> None:
    """The same result in one statement: clocks moved, their notice rows, their owners' notices."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH moved AS (
                UPDATE sla_leadclock SET state = 'at_risk', next_check_at = due_at
                WHERE next_check_at <= now() AND due_at > now() RETURNING id, org_id, owner_id, lead_id
            ), noted AS (
                INSERT INTO sla_clocknotice (org_id, clock_id, kind, at)
                SELECT org_id, id, 'at_risk', now() FROM moved ON CONFLICT DO NOTHING RETURNING clock_id
            )
            INSERT INTO accounts_notification (org_id, recipient_id, kind, title, body, link, lead_id, count,
                created_at, updated_at, by_email, dedupe_key)
            SELECT m.org_id, m.owner_id, 'sla_at_risk', 'At risk: ' || l.email, 'bench', '/inbox/' || m.lead_id || '/',
                   m.lead_id, 1, now(), now(), true, 'clock:' || m.id || ':at_risk'
            FROM moved AS m JOIN noted AS n ON n.clock_id = m.id JOIN leads_lead AS l ON l.id = m.lead_id
            ON CONFLICT DO NOTHING
            """
        )


def run(*, scale: str, env: dict) -> list[Result]:
    member = bench_org()
    objective = _setup(member)
    org_id = member.org_id

    def candidate_sweep() -> float:
        moved = _arm(org_id)
        seconds = timed(lambda: sweep_clocks(now=timezone.now()))
        assert moved > 0
        return seconds

    def baseline_sweep() -> float:
        _arm(org_id)
        return timed(_raw_sweep)

    a, b = alternate(baseline_sweep, candidate_sweep, rounds=3)
    results = [Result("sla_sweep_10k_of_100k", "s", a, b, "lower", 1.5, "<=1.5x", {"clocks": 100_000})]

    with connection.cursor() as cursor:
        cursor.execute("UPDATE sla_leadclock SET state = CASE WHEN id %% 3 = 0 THEN 'breached' ELSE 'met' END, "
                       "started_at = date_trunc('month', now()) + (id %% 1000) * interval '1 minute', "
                       "next_check_at = NULL WHERE org_id = %s", [org_id])  # fmt: skip
        cursor.execute("VACUUM ANALYZE sla_leadclock")
    start = timezone.now().date().replace(day=1)
    period_end = timezone.now() + timedelta(days=40)

    def raw_compliance() -> float:
        def run_query():
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    SELECT owner_id, count(*) FILTER (WHERE state = 'met'), count(*) FROM sla_leadclock
                    WHERE org_id = %s AND objective_id = %s AND state IN ('met', 'breached')
                      AND started_at >= date_trunc('month', now()) AND started_at < %s
                    GROUP BY GROUPING SETS ((owner_id), ())
                    """,
                    [org_id, objective.pk, period_end],
                )
                cursor.fetchall()

        return timed(run_query)

    a, b = alternate(raw_compliance, lambda: timed(lambda: compute_compliance(objective=objective, start=start)), 5)
    results.append(Result("sla_compliance_100k", "s", a, b, "lower", 1.5, "<=1.5x", {"handoffs": 100_000}))
    return results
