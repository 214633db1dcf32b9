"""Qualifying leads: evaluating them against the active criteria version, in chunks, in jobs.

New and changed leads, and leads with new engagement, are noted (PendingEvaluation, written in the
same transaction) and evaluated by a job together with their engagement score. Activating a version
re-evaluates every open lead of the organization in chunks, counting progress on the version.
"""

import json
import logging
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership
from accounts.roles import Capability
from accounts.services import require
from leads.models import CriteriaVersion, Lead, PendingEvaluation, ReevaluationChunk
from leads.scoring import Criteria, Evaluation, evaluate
from leads.selectors import (
    LeadToEvaluate,
    active_criteria_version,
    asset_topics_of,
    criteria_of,
    leads_to_evaluate,
)
from leads.services.engagement import CHUNK, rescore_leads
from leads.services.handoff import mark_handed_off_leads_reengaged
from leads.services.lifecycle import change_lead_status
from smarketing.errors import DomainError
from smarketing.queue import enqueue_on_commit, enqueue_once_on_commit, job_started

logger = logging.getLogger(__name__)
S = Lead.Status
# Only leads still with marketing are qualified automatically; what sales holds, sales decides.
OPEN = (S.NEW, S.NURTURING, S.MQL)
# Connections writing judged chunks while the next is judged (reevaluate_chunks): with two, the
# judging is what a pass waits on, measured.
WRITERS = 2
# Chunks per activation job: enough for its writers to have work while it judges; few enough that
# a two-process worker still shares an activation of 100k leads evenly.
CHUNKS_PER_JOB = 4


def evaluate_leads(*, version: CriteriaVersion, lead_ids: list[int], now: datetime | None = None) -> int:
    """Evaluate these leads against the version; qualify or return to nurturing the open ones.

    Returns how many leads were evaluated. Idempotent: the same leads and data give the same rows.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # No row locks: the status is written only where it is still what was read (see _writes), so
        # a hand-off made meanwhile wins and this evaluation leaves that lead alone.
        evaluated, writes = _judge(version, _criteria_and_topics(version), lead_ids, now)
        # Pipelined: the writes go out without waiting on each one's answer; one that fails raises
        # where the pipeline ends, and the transaction rolls back.
        with connection.cursor() as cursor, connection.connection.pipeline():
            for sql, params in writes:
                cursor.execute(sql, params)
    return evaluated


Statement = tuple[str, list]


def _criteria_and_topics(version: CriteriaVersion) -> tuple[Criteria, dict]:
    criteria = criteria_of(version)
    topics = asset_topics_of(version.org_id) if any(r.attribute == "content" for r in criteria.rules) else {}
    return criteria, topics


def _judge(
    version: CriteriaVersion, rules: tuple[Criteria, dict], lead_ids: list[int], now: datetime
) -> tuple[int, list[Statement]]:
    """How many of these leads were evaluated against the version (its criteria and asset topics),
    and the statements that store the verdicts (see _writes)."""
    criteria, topics = rules
    connection.ensure_connection()
    # Pipeline mode: the leads and their touches go out together (see leads_to_evaluate).
    with connection.connection.pipeline():
        leads = leads_to_evaluate(
            org_id=version.org_id, lead_ids=lead_ids, now=now, touches_within=criteria.touch_window
        )
    evaluations = [evaluate(criteria, lead.facts, now, asset_topics=topics) for lead in leads]
    return len(leads), (_writes(version, leads, evaluations, now) if leads else [])


def _next_status(status: str, qualified: bool, *, by_hand: bool) -> str:
    if status not in OPEN:
        return status
    if qualified:
        return S.MQL
    # A lead qualified by hand stays qualified: a person vouched for it.
    if status == S.MQL and by_hand:
        return status
    return S.NURTURING


def _writes(
    version: CriteriaVersion, leads: list[LeadToEvaluate], evaluations: list[Evaluation], now: datetime
) -> list[Statement]:
    """The statements that write the leads' new fit and status, their status changes, and the
    evaluations: at most two. Made apart from running them, so that another thread can run them
    while this one judges the next leads (see reevaluate_chunks)."""
    # The wide lead row is written only where something it shows changes: a new version moves a
    # few leads in a hundred.
    moves = []
    for lead, evaluation in zip(leads, evaluations, strict=True):
        status = _next_status(lead.status, evaluation.qualified, by_hand=lead.qualified_by_hand)
        if evaluation.fit_score != lead.fit_score or status != lead.status:
            moves.append((lead.id, evaluation.fit_score, lead.status, status))
    statements = []
    if moves:
        # Only while the lead's status is still the one evaluated: a conditional UPDATE instead of
        # holding row locks from the read on. Every evaluation locks the leads it writes in id
        # order, then their evaluations in id order: a chunk and a job for new engagement over the
        # same leads queue, never deadlock. The status changes are recorded by the same statement,
        # from the rows it actually moved.
        statements.append((
            """
            WITH v AS (
                SELECT * FROM unnest(%s::bigint[], %s::int[], %s::text[], %s::text[]) AS v(id, fit, was, status)
            ), ordered AS (
                SELECT l.id FROM leads_lead AS l JOIN v ON v.id = l.id
                WHERE l.org_id = %s AND l.status = v.was
                  AND (l.fit_score IS DISTINCT FROM v.fit OR v.was <> v.status)
                ORDER BY l.id FOR NO KEY UPDATE OF l
            ), moved AS (
                UPDATE leads_lead AS l SET fit_score = v.fit, status = v.status, updated_at = %s,
                    qualified_at = CASE WHEN v.status = 'mql' AND v.was <> 'mql' THEN %s ELSE l.qualified_at END,
                    criteria_version_id = CASE WHEN v.status = 'mql' AND v.was <> 'mql' THEN %s
                                               ELSE l.criteria_version_id END
                FROM v JOIN ordered ON ordered.id = v.id
                WHERE l.id = v.id AND l.status = v.was
                  AND (l.fit_score IS DISTINCT FROM v.fit OR v.was <> v.status)
                RETURNING l.id, v.was, v.status
            )
            INSERT INTO leads_leadstatuschange (org_id, lead_id, by_id, from_status, to_status, note, at)
            SELECT %s, moved.id, NULL, moved.was, moved.status, %s, %s FROM moved
            WHERE moved.was <> moved.status ORDER BY moved.id
            """,
            [
                *map(list, zip(*moves, strict=True)), version.org_id, now, now, version.pk, version.org_id,
                f"Criteria version {version.number}", now,
            ],
        ))  # fmt: skip
    # Per rule only what is the lead's own: its result's letter and its reason (LeadEvaluation).
    rows = [
        {"lead_id": lead.id, "fit": e.fit_score, "engagement": e.engagement_score, "qualified": e.qualified,
         "results": "".join([o.result[0] for o in e.outcomes]), "reasons": [o.reason for o in e.outcomes]}
        for lead, e in zip(leads, evaluations, strict=True)
    ]  # fmt: skip
    # One JSON document for the chunk (jsonb_to_recordset): passing each lead's reasons as a text
    # array costs more in the client's array quoting than the database saves.
    statements.append((
        """
        INSERT INTO leads_leadevaluation AS e
            (lead_id, org_id, version_id, fit_score, engagement_score, qualified, results, reasons, evaluated_at)
        SELECT v.lead_id, %s, %s, v.fit, v.engagement, v.qualified, v.results, v.reasons, %s
        FROM jsonb_to_recordset(%s::jsonb) AS v(lead_id bigint, fit int, engagement float8, qualified bool,
            results text, reasons text[])
        ORDER BY v.lead_id
        ON CONFLICT (lead_id) DO UPDATE SET version_id = EXCLUDED.version_id, fit_score = EXCLUDED.fit_score,
            engagement_score = EXCLUDED.engagement_score, qualified = EXCLUDED.qualified,
            results = EXCLUDED.results, reasons = EXCLUDED.reasons, evaluated_at = EXCLUDED.evaluated_at
        """,
        [version.org_id, version.pk, now, json.dumps(rows, ensure_ascii=False, separators=(",", ":"))],
    ))  # fmt: skip
    return statements


def note_leads_to_evaluate(*, org_id: int, lead_ids: list[int]) -> None:
    """These leads changed: have a job rescore and re-evaluate them once this transaction commits."""
    if not lead_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO leads_pendingevaluation (org_id, lead_id, since, engaged)
            SELECT %s, lead_id, %s, false FROM unnest(%s::bigint[]) AS lead_id ORDER BY lead_id
            ON CONFLICT DO NOTHING
            """,
            [org_id, timezone.now(), sorted(set(lead_ids))],
        )
    nudge_evaluation(org_id=org_id)


def nudge_evaluation(*, org_id: int) -> None:
    """Have a job evaluate the organization's noted leads once this commits.

    One message per organization waits in the queue at a time: a batch committing while one waits
    is seen by that job, since the job starts reading notes only after it has cleared its mark
    (evaluate_pending). A batch committing after that sends a job of its own; so does the batch
    whose note the job skipped as locked (a lead the batch kept noted): it nudges once it commits.
    """
    from leads.tasks import evaluate_pending_task

    enqueue_once_on_commit(evaluate_pending_task, org_id, waiting=_evaluation_waiting(org_id))


def _evaluation_waiting(org_id: int) -> str:
    return f"evaluate-pending:{org_id}"


def evaluate_pending(*, org_id: int) -> int:
    """Rescore and re-evaluate every noted lead of the organization, a chunk per transaction."""
    # Before the first note is read: notes committed from here on send a job of their own.
    job_started(_evaluation_waiting(org_id))
    done = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # SKIP LOCKED: two jobs draining the same organization take different leads.
                cursor.execute(
                    """
                    DELETE FROM leads_pendingevaluation WHERE id IN (
                        SELECT id FROM leads_pendingevaluation WHERE org_id = %s
                        ORDER BY lead_id LIMIT %s FOR UPDATE SKIP LOCKED
                    ) RETURNING lead_id, engaged, since
                    """,
                    [org_id, CHUNK],
                )
                noted = cursor.fetchall()
            if not noted:
                return done
            lead_ids = sorted(row[0] for row in noted)
            rescore_leads(org_id=org_id, lead_ids=lead_ids)
            version = active_criteria_version(org_id=org_id)
            if version is not None:
                evaluate_leads(version=version, lead_ids=lead_ids)
            engaged = [row for row in noted if row[1]]
            if engaged:
                mark_handed_off_leads_reengaged(
                    org_id=org_id, lead_ids=[row[0] for row in engaged], since=min(row[2] for row in engaged)
                )
            done += len(lead_ids)


def sweep_pending_evaluations(*, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Catch up on leads waiting longer than a job should take (its nudge was lost, or it failed)."""
    cutoff = timezone.now() - older_than
    orgs = PendingEvaluation.objects.filter(since__lte=cutoff).values_list("org_id", flat=True).distinct()
    done = sum(evaluate_pending(org_id=org_id) for org_id in list(orgs))
    if done:
        logger.info("swept %d pending evaluations", done)
    return done


def start_reevaluation(*, version: CriteriaVersion) -> int:
    """After activation: every open lead of the organization, in chunks of 1,000, a job for each
    CHUNKS_PER_JOB of them (so that each job writes one chunk while it judges the next)."""
    chunks = plan_reevaluation(version=version)
    for start in range(0, len(chunks), CHUNKS_PER_JOB):
        enqueue_on_commit(_chunks_task(), [chunk.pk for chunk in chunks[start : start + CHUNKS_PER_JOB]])
    return sum(chunk.size for chunk in chunks)


def plan_reevaluation(*, version: CriteriaVersion) -> list[ReevaluationChunk]:
    """Every open lead of the organization in chunks of 1,000, a row each.

    Progress is what the finished chunks add up to, and a chunk lost with the broker or a killed
    worker is found and sent again by the sweeper.
    """
    ids = list(Lead.objects.filter(org_id=version.org_id, status__in=OPEN).order_by("id").values_list("id", flat=True))
    return ReevaluationChunk.objects.bulk_create(
        ReevaluationChunk(
            org_id=version.org_id, version=version, first_lead_id=ids[start],
            last_lead_id=ids[min(start + CHUNK, len(ids)) - 1], size=len(ids[start : start + CHUNK]),
        )
        for start in range(0, len(ids), CHUNK)
    )  # fmt: skip


def _chunks_task():
    from leads.tasks import reevaluate_chunks_task

    return reevaluate_chunks_task


class JudgedChunk(NamedTuple):
    chunk_id: int
    evaluated: int
    writes: list[Statement]


def reevaluate_chunks(*, chunk_ids: list[int]) -> int:
    """Chunks of an activation's re-evaluation, each done once; returns how many leads were evaluated.

    A chunk is read and judged first, then claimed, written and marked done in one transaction; a
    chunk another worker has taken, or has done, is left to it. Over several chunks of one version
    outside a transaction, WRITERS more connections write chunks while this one reads and judges
    the next: the database works while Python judges. Measured over 100k leads: one writer about a
    quarter off the time, a second one another fifth.
    """
    chunks = ReevaluationChunk.objects.filter(pk__in=chunk_ids, done_at__isnull=True).select_related("version")
    by_id = {chunk.pk: chunk for chunk in chunks}
    # Each version's rules are read once for all its chunks.
    prepared: dict[int, tuple[Criteria, dict]] = {}
    judged = (_judge_chunk(by_id[chunk_id], prepared) for chunk_id in chunk_ids if chunk_id in by_id)
    # Inside a transaction everything is its connection's: another one would not see it. Chunks of
    # several versions may share leads, so they are written one after the other, in order.
    if len(by_id) < 2 or connection.in_atomic_block or len({c.version_id for c in by_id.values()}) > 1:
        return sum(_write_chunk(chunk) for chunk in judged)
    done = 0
    # Each writer's thread has a connection of its own (Django's are per thread), closed at the end.
    with ThreadPoolExecutor(max_workers=WRITERS) as writers:
        try:
            writing: deque[Future] = deque()
            for chunk in judged:
                # At most WRITERS chunks in writing: the next is judged meanwhile, then waits for one.
                if len(writing) == WRITERS:
                    done += writing.popleft().result()
                writing.append(writers.submit(_write_chunk, chunk))
            while writing:
                done += writing.popleft().result()
        finally:
            last = threading.Barrier(WRITERS)
            for closed in [writers.submit(_close_connection, last) for _ in range(WRITERS)]:
                closed.result()
    return done


def _close_connection(last: threading.Barrier) -> None:
    # Each thread takes one: none may leave before every thread has its own.
    last.wait(timeout=60)
    connection.close()


def _judge_chunk(chunk: ReevaluationChunk, prepared: dict[int, tuple[Criteria, dict]]) -> JudgedChunk:
    version, now = chunk.version, timezone.now()
    if version.status != CriteriaVersion.Status.ACTIVE:
        return JudgedChunk(chunk.pk, 0, [])
    if version.pk not in prepared:
        prepared[version.pk] = _criteria_and_topics(version)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM leads_lead WHERE org_id = %s AND id BETWEEN %s AND %s AND status = ANY(%s) ORDER BY id",
            [chunk.org_id, chunk.first_lead_id, chunk.last_lead_id, list(OPEN)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    return JudgedChunk(chunk.pk, *_judge(version, prepared[version.pk], ids, now))


def _write_chunk(chunk: JudgedChunk) -> int:
    """The chunk's evaluations and its "done" mark, committed together, if no one else has it."""
    with transaction.atomic():
        connection.ensure_connection()
        # One round trip before the commit: the claim and the writes go out together, and writes
        # whose claim failed are rolled back (a duplicate message, so rare). SKIP LOCKED: a chunk
        # another worker is writing is left to it.
        with connection.cursor() as claim, connection.cursor() as cursor:
            with connection.connection.pipeline():
                claim.execute(
                    """
                    UPDATE leads_reevaluationchunk SET done_at = %s WHERE id = (
                        SELECT id FROM leads_reevaluationchunk WHERE id = %s AND done_at IS NULL
                        FOR UPDATE SKIP LOCKED
                    )
                    """,
                    [timezone.now(), chunk.chunk_id],
                )
                for sql, params in chunk.writes:
                    cursor.execute(sql, params)
            claimed = claim.rowcount > 0
        if not claimed:
            transaction.set_rollback(True)
            return 0
    return chunk.evaluated


def resend_stuck_chunks(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Chunks not done long after their activation: their message was lost. Send them again."""
    stuck = ReevaluationChunk.objects.filter(done_at__isnull=True, created_at__lte=timezone.now() - older_than)
    ids = list(stuck.values_list("id", flat=True)[:500])
    task = _chunks_task()
    for chunk_id in ids:
        enqueue_on_commit(task, [chunk_id])
    return len(ids)


def qualify_by_hand(*, lead: Lead, by: Membership, reason: str) -> Lead:
    """A marketer vouches for a lead the criteria do not (yet) qualify."""
    require(by, Capability.WORK_MARKETING_LEADS)
    if not reason.strip():
        raise DomainError("Say why this lead qualifies.", fields={"reason": ["Required."]})
    version = active_criteria_version(org_id=lead.org_id)
    return change_lead_status(
        lead=lead, to=S.MQL, by=by, note=f"Qualified by hand: {reason.strip()}",
        qualified_by=by, criteria_version=version,
    )  # fmt: skip


def disqualify(*, lead: Lead, by: Membership, reason: str) -> Lead:
    require(by, Capability.WORK_MARKETING_LEADS)
    if not reason.strip():
        raise DomainError("Say why this lead is no fit.", fields={"reason": ["Required."]})
    return change_lead_status(lead=lead, to=S.DISQUALIFIED, by=by, note=reason.strip())
