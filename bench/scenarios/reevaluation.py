"""Re-evaluating every open lead against a newly active criteria version.

Candidate: the activation's chunked jobs (1,000 leads each) on a real Celery worker (prefork, two
processes), timed from the enqueue to the last chunk done. Baseline: the same evaluation called in
one process over the same leads, also reported on its own as leads per second. Every lead of the bench
org (100,000 at either scale) is made open for this scenario, so it re-evaluates the 100,000 leads the
goal speaks of; the statuses and fit scores as generated come back afterwards. Before every round the
leads get their open statuses back and lose their evaluations, so each round does the same writes.
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
from leads.services.engagement import CHUNK
from leads.services.qualification import OPEN, evaluate_leads, start_reevaluation

BASE_DIR = Path(__file__).resolve().parents[2]
RULES = [
    {"attribute": "country", "operator": "in", "value": ["DE", "AT", "CH"], "required": True},
    {"attribute": "employees", "operator": "between", "value": [100, 20000], "weight": 30},
    {"attribute": "buying_authority", "operator": "in", "value": ["decision_maker", "influencer"], "weight": 20},
    {"attribute": "timeline", "operator": "in", "value": ["within_1_month", "within_3_months"], "weight": 20},
    {"attribute": "engagement", "operator": "gte", "value": {"score": 5, "days": 60}, "weight": 30},
]


def _version(member: Membership) -> CriteriaVersion:
    version = CriteriaVersion.objects.filter(org=member.org, name="Bench version").first()
    if version is None:
        version = CriteriaVersion.objects.create(
            org=member.org, number=1, name="Bench version", status=CriteriaVersion.Status.ACTIVE, created_by=member,
            min_fit_score=50, min_engagement_score=0, activated_at=timezone.now(),
        )  # fmt: skip
        CriteriaRule.objects.bulk_create(
            CriteriaRule(org=member.org, version=version, position=n, **rule) for n, rule in enumerate(RULES)
        )
    return version


def _reset(org_id: int) -> None:
    """Every lead open (new, nurturing or mql), no evaluations, no chunks: each round starts alike."""
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
        cursor.execute("VACUUM ANALYZE leads_lead")


def run(*, scale: str, env: dict) -> list[Result]:
    member = bench_org()
    version = _version(member)
    org_id = member.org_id
    _keep_generated(org_id)
    try:
        return _measure(version, org_id, env)
    finally:
        _restore_generated(org_id)


def _measure(version: CriteriaVersion, org_id: int, env: dict) -> list[Result]:
    _reset(org_id)
    ids = list(Lead.objects.filter(org_id=org_id, status__in=OPEN).order_by("id").values_list("id", flat=True))

    def in_process() -> float:
        _reset(org_id)
        return timed(
            lambda: [evaluate_leads(version=version, lead_ids=ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK)]
        )

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
    notes = {"leads": len(ids), "chunk": CHUNK}
    # The in-process pass against an absolute goal: its "baseline" is 1, so the ratio is leads per second.
    per_second = [len(ids) / seconds for seconds in a]
    return [
        Result("reevaluate_open_leads", "s", a, b, "lower", 1.3, "<=1.3x", notes),
        Result("reevaluate_in_process", "leads/s", [1.0], per_second, "higher", 20_000, ">=20k/s", notes),
    ]
