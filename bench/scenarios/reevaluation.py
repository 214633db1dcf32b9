"""Re-evaluating every open lead against a newly active criteria version.

Candidate: the activation's jobs (four chunks of 1,000 leads each) on a real Celery worker (prefork,
two processes), timed from the enqueue to the last chunk done. Baseline: the same chunks planned and
done in one process (reevaluate_chunks, whose writer connections write chunks while it judges
the next), also reported on its own as leads per second. Every lead of the bench
org (100,000 at either scale) is made open for this scenario, so it re-evaluates the 100,000 leads the
goal speaks of; the statuses and fit scores as generated come back afterwards.

What an activation meets: leads as the previous version left them (evaluated, qualified or
nurturing by its rules), then a new version with somewhat different rules. Before every round the
leads get back exactly that state, so each round does the same writes; the notes say how many leads
change status and fit. Two figures without a goal give context: the worst case (every lead open with
a random status and never evaluated, so about two in three change status), and the pure evaluation
rate (`evaluate` alone over the rows already read).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import redis
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership
from bench.data import bench_org
from bench.harness import Result, alternate, timed
from leads.models import CriteriaRule, CriteriaVersion, Lead, ReevaluationChunk
from leads.scoring import Criteria, evaluate
from leads.selectors import criteria_of, leads_to_evaluate
from leads.services.engagement import CHUNK
from leads.services.qualification import (
    OPEN,
    evaluate_leads,
    plan_reevaluation,
    reevaluate_chunks,
    start_reevaluation,
)

BASE_DIR = Path(__file__).resolve().parents[2]
RULES = [
    {"attribute": "country", "operator": "in", "value": ["DE", "AT", "CH"], "required": True},
    {"attribute": "employees", "operator": "between", "value": [100, 20000], "weight": 30},
    {"attribute": "buying_authority", "operator": "in", "value": ["decision_maker", "influencer"], "weight": 20},
    {"attribute": "timeline", "operator": "in", "value": ["within_1_month", "within_3_months"], "weight": 20},
    {"attribute": "engagement", "operator": "gte", "value": {"score": 5, "days": 60}, "weight": 30},
]
# The version it replaces: smaller companies, a longer engagement window, a higher bar.
PREVIOUS_RULES = [
    {"attribute": "country", "operator": "in", "value": ["DE", "AT", "CH"], "required": True},
    {"attribute": "employees", "operator": "between", "value": [50, 20000], "weight": 30},
    {"attribute": "buying_authority", "operator": "in", "value": ["decision_maker", "influencer"], "weight": 20},
    {"attribute": "timeline", "operator": "in", "value": ["within_1_month", "within_3_months"], "weight": 20},
    {"attribute": "engagement", "operator": "gte", "value": {"score": 6, "days": 90}, "weight": 30},
]


def _version(member: Membership, *, number: int, name: str, status: str, rules: list[dict]) -> CriteriaVersion:
    version = CriteriaVersion.objects.filter(org=member.org, name=name).first()
    if version is None:
        version = CriteriaVersion.objects.create(
            org=member.org, number=number, name=name, status=status, created_by=member,
            min_fit_score=50, min_engagement_score=0, activated_at=timezone.now(),
        )  # fmt: skip
        CriteriaRule.objects.bulk_create(
            CriteriaRule(org=member.org, version=version, position=n, **rule) for n, rule in enumerate(rules)
        )
    return version


def _reset_worst(org_id: int) -> None:
    """Every lead open (new, nurturing or mql), no evaluations, no chunks: never evaluated."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM leads_leadevaluation WHERE org_id = %s", [org_id])
        cursor.execute("DELETE FROM leads_reevaluationchunk WHERE org_id = %s", [org_id])
        cursor.execute("DELETE FROM leads_leadstatuschange WHERE org_id = %s", [org_id])
        cursor.execute(
            """
            UPDATE leads_lead SET fit_score = NULL, criteria_version_id = NULL, qualified_at = NULL,
                status = (ARRAY['new','nurturing','mql'])[1 + (substring(external_id from 5)::int %% 3)]
            WHERE org_id = %s
            """,
            [org_id],
        )
        cursor.execute("VACUUM ANALYZE leads_lead")


def _keep_generated(org_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_generated AS SELECT id, status, fit_score FROM leads_lead WHERE org_id = %s",
            [org_id],
        )


def _restore_generated(org_id: int) -> None:
    """The later scenarios see the leads as generated: statuses of every stage, random fit scores."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM leads_leadevaluation WHERE org_id = %s", [org_id])
        cursor.execute("DELETE FROM leads_reevaluationchunk WHERE org_id = %s", [org_id])
        cursor.execute("DELETE FROM leads_leadstatuschange WHERE org_id = %s", [org_id])
        cursor.execute(
            """
            UPDATE leads_lead AS l SET status = g.status, fit_score = g.fit_score, criteria_version_id = NULL,
                qualified_at = NULL
            FROM bench_generated AS g WHERE l.id = g.id
            """
        )
        cursor.execute("DROP TABLE bench_generated")
        cursor.execute("DROP TABLE IF EXISTS bench_previous")
        cursor.execute("DROP TABLE IF EXISTS bench_previous_evaluations")
        cursor.execute("VACUUM ANALYZE leads_lead")


def _keep_previous(org_id: int) -> None:
    """What the previous version left, kept to come back to before every round."""
    with connection.cursor() as cursor:
        cursor.execute(
            """CREATE TEMP TABLE bench_previous AS SELECT id, status, fit_score, criteria_version_id, qualified_at
               FROM leads_lead WHERE org_id = %s""",
            [org_id],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_previous_evaluations AS SELECT * FROM leads_leadevaluation WHERE org_id = %s",
            [org_id],
        )


def _reset(org_id: int) -> None:
    """The leads and their evaluations as the previous version left them, no chunks: each round alike."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM leads_reevaluationchunk WHERE org_id = %s", [org_id])
        cursor.execute("DELETE FROM leads_leadstatuschange WHERE org_id = %s", [org_id])
        cursor.execute(
            """
            UPDATE leads_lead AS l SET status = p.status, fit_score = p.fit_score,
                criteria_version_id = p.criteria_version_id, qualified_at = p.qualified_at
            FROM bench_previous AS p
            WHERE l.id = p.id AND (l.status, l.fit_score, l.criteria_version_id, l.qualified_at)
                IS DISTINCT FROM (p.status, p.fit_score, p.criteria_version_id, p.qualified_at)
            """
        )
        cursor.execute("DELETE FROM leads_leadevaluation WHERE org_id = %s", [org_id])
        cursor.execute("INSERT INTO leads_leadevaluation SELECT * FROM bench_previous_evaluations")
        cursor.execute("VACUUM ANALYZE leads_lead")
        cursor.execute("VACUUM ANALYZE leads_leadevaluation")


def _changed(org_id: int) -> dict:
    """After a round: how many leads changed status, and how many changed fit, from the previous version's."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM leads_leadstatuschange WHERE org_id = %s", [org_id])
        moved = cursor.fetchone()[0]
        cursor.execute(
            """SELECT count(*) FROM leads_leadevaluation AS e JOIN bench_previous_evaluations AS p USING (lead_id)
               WHERE e.org_id = %s AND e.fit_score <> p.fit_score""",
            [org_id],
        )
        refit = cursor.fetchone()[0]
    return {"status_changed": moved, "fit_changed": refit}


def run(*, scale: str, env: dict) -> list[Result]:
    member = bench_org()
    previous = _version(
        member, number=1, name="Bench previous version", status=CriteriaVersion.Status.RETIRED, rules=PREVIOUS_RULES
    )
    version = _version(member, number=2, name="Bench version", status=CriteriaVersion.Status.ACTIVE, rules=RULES)
    org_id = member.org_id
    _keep_generated(org_id)
    try:
        return _measure(previous, version, org_id, env)
    finally:
        _restore_generated(org_id)


def _in_process(version: CriteriaVersion) -> float:
    """The activation's chunks, planned and done in this process (reevaluate_chunks), timed as the
    worker's run is: from planning the chunks to the last one done."""

    def reevaluate() -> None:
        chunks = plan_reevaluation(version=version)
        reevaluate_chunks(chunk_ids=[chunk.pk for chunk in chunks])

    return timed(reevaluate)


def _evaluate_directly(version: CriteriaVersion, ids: list[int]) -> None:
    """The previous version's verdicts, set up as if it had been active (it is retired by now)."""
    for i in range(0, len(ids), CHUNK):
        evaluate_leads(version=version, lead_ids=ids[i : i + CHUNK])


def _evaluation_only(version: CriteriaVersion, ids: list[int], rounds: int) -> list[float]:
    """Leads per second of `evaluate` alone over the rows the in-process pass reads, a fresh
    criteria per chunk as there (what it works out once is then worked out per chunk here too)."""
    prepared = criteria_of(version)
    now = timezone.now()
    chunks = [
        leads_to_evaluate(
            org_id=version.org_id, lead_ids=ids[i : i + CHUNK], now=now, touches_within=prepared.touch_window
        )
        for i in range(0, len(ids), CHUNK)
    ]

    def evaluate_all() -> None:
        for chunk in chunks:
            criteria = Criteria(prepared.rules, prepared.min_fit_score, prepared.min_engagement_score)
            for lead in chunk:
                evaluate(criteria, lead.facts, now, asset_topics={})

    evaluate_all()
    return [len(ids) / timed(evaluate_all) for _ in range(rounds)]


def _measure(previous: CriteriaVersion, version: CriteriaVersion, org_id: int, env: dict) -> list[Result]:
    _reset_worst(org_id)
    ids = list(Lead.objects.filter(org_id=org_id, status__in=OPEN).order_by("id").values_list("id", flat=True))
    # The previous version's verdicts: from here on, what every round starts from.
    _evaluate_directly(previous, ids)
    _keep_previous(org_id)
    _reset(org_id)
    # Leads the previous version took out of marketing's hands are none: it only moves open leads.
    ids = list(Lead.objects.filter(org_id=org_id, status__in=OPEN).order_by("id").values_list("id", flat=True))

    def in_process() -> float:
        _reset(org_id)
        return _in_process(version)

    # Jobs the earlier scenarios enqueued (evaluations of ingested leads) are not part of this one.
    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "smarketing", "worker", "--concurrency=2", "--loglevel=WARNING",
         "--without-gossip", "--without-mingle"],
        cwd=BASE_DIR, env=os.environ | env,
    )  # fmt: skip
    try:

        def on_worker() -> float:
            _reset(org_id)
            started = time.perf_counter()
            with transaction.atomic():
                total = start_reevaluation(version=version)
            chunks = ReevaluationChunk.objects.filter(version=version)
            while chunks.filter(done_at__isnull=True).exists() or chunks.count() * CHUNK < total:
                if worker.poll() is not None:
                    raise RuntimeError("the worker died")
                time.sleep(0.05)
            return time.perf_counter() - started

        a, b = alternate(in_process, on_worker, rounds=2)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    _reset(org_id)
    _in_process(version)
    notes = {"leads": len(ids), "chunk": CHUNK} | _changed(org_id)
    worst = []
    for _ in range(2):
        _reset_worst(org_id)
        worst.append(_in_process(version))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM leads_leadstatuschange WHERE org_id = %s", [org_id])
        worst_notes = {"leads": len(ids), "chunk": CHUNK, "status_changed": cursor.fetchone()[0]}
    pure = _evaluation_only(version, ids, rounds=3)
    # Against an absolute goal or none: the "baseline" is 1, so the ratio is leads per second.
    per_second = [len(ids) / seconds for seconds in a]
    return [
        Result("reevaluate_open_leads", "s", a, b, "lower", 1.3, "<=1.3x", notes),
        Result("reevaluate_in_process", "leads/s", [1.0], per_second, "higher", 20_000, ">=20k/s", notes),
        Result(
            "reevaluate_never_evaluated", "leads/s", [1.0], [len(ids) / s for s in worst], "higher", None, "none",
            worst_notes,
        ),
        Result("evaluate_only", "leads/s", [1.0], pure, "higher", None, "none", {"leads": len(ids)}),
    ]  # fmt: skip
