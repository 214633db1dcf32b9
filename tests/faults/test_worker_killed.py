"""A worker killed with SIGKILL in the middle of a long job: after a restart the job finishes as if
nothing had happened, compared row by row with a clean run of the same data in another organization.

The job is started the way people start it (a button on the web server, which sends the message to
the test's own Redis), a real worker runs it, and the test kills that worker by its PID once the
job's progress rows show it half-way. Messages are acknowledged late, so the killed worker's
message is still the broker's: after the visibility timeout (a few seconds here, through the same
setting production uses) it goes back to the queue and the restarted worker takes it.
"""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import Count, F

from accounts.models import AuditEvent, Notification
from accounts.roles import Role
from leads.models import (
    Company,
    CriteriaVersion,
    Lead,
    LeadEvaluation,
    LeadImport,
    LeadImportRejection,
    LeadStatusChange,
    PendingEvaluation,
    ReevaluationChunk,
)
from leads.services.criteria import sign_criteria_version
from leads.services.imports import CHUNK_SIZE, STALE_AFTER, start_lead_import
from leads.services.qualification import evaluate_pending
from leads.tasks import reevaluate_chunks_task, run_lead_import_task
from tests.factories import MembershipFactory
from tests.faults.data import active_criteria, create_leads, lead_file, lead_items, mapped_import, proposed_criteria
from tests.faults.processes import (
    RedisServer,
    WebServer,
    Worker,
    app_environment,
    form_post,
    free_port,
    give_real_password,
    send_tasks,
    sign_in,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
# Seconds before a message held by a dead worker goes back to the queue (production: 15 minutes).
VISIBILITY = 2


class Stack:
    """The test's own Redis, the web server and the workers, all stopped by their PIDs at the end."""

    def __init__(self, folder):
        self.folder = folder
        self.redis = RedisServer(free_port(), folder / "redis")
        self.env = app_environment(redis_url=self.redis.url, folder=folder, CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY))
        self.web = WebServer(self.env, folder)
        self.workers: list[Worker] = []

    def worker(self, name: str) -> Worker:
        worker = Worker(self.env, self.folder, name).start()
        self.workers.append(worker)
        return worker

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.web.stop()
        self.redis.stop()


@pytest.fixture
def stack(tmp_path, transactional_db):
    stack = Stack(tmp_path)
    try:
        stack.redis.start()
        stack.web.start()
        yield stack
    finally:
        stack.stop()


def press(stack: Stack, member, url: str, page: str) -> None:
    """Sign in on the web server and press a button: a form posted from its page."""
    session, signed = sign_in(stack.web.base, member.user.email)
    assert signed.status_code == 302, f"{member.user.email} could not sign in"
    response = form_post(session, f"{stack.web.base}{url}", form_url=f"{stack.web.base}{page}")
    assert response.status_code == 302, response.text[-2000:]


def kill_half_way(worker: Worker, progress, total: int, at_least: int) -> int:
    """SIGKILL the worker as soon as the job's committed progress reaches `at_least` of `total`."""

    def far_enough():
        assert worker.alive(), worker.log.read_text()[-3000:]
        return progress() >= at_least

    wait_for(far_enough, 60, "the job to get going", every=0.02)
    worker.kill()
    done = progress()
    assert 0 < done < total, f"the kill did not land mid-run: {done} of {total}"
    # Until the visibility timeout has passed, the killed worker's message is still taken.
    time.sleep(VISIBILITY + 0.5)
    return done


def audit_count(org, kind: str) -> int:
    return AuditEvent.objects.filter(org=org, kind=kind).count()


def test_an_import_whose_worker_is_killed_finishes_after_a_restart_like_a_clean_run(stack, acme, globex, marketer):
    content = lead_file(4000)
    outsider = MembershipFactory(org=globex, role=Role.MARKETER)
    clean = mapped_import(outsider, content)
    start_lead_import(by=outsider, lead_import=clean)
    assert run_lead_import_task(clean.pk) == "done"
    clean.refresh_from_db()

    give_real_password(marketer.user)
    lead_import = mapped_import(marketer, content)
    worker = stack.worker("first")
    press(stack, marketer, f"/leads/import/{lead_import.pk}/start/", f"/leads/import/{lead_import.pk}/preview/")

    def processed() -> int:
        return LeadImport.objects.values_list("processed_rows", flat=True).get(pk=lead_import.pk)

    done = kill_half_way(worker, processed, clean.total_rows, at_least=2 * CHUNK_SIZE)
    lead_import.refresh_from_db()
    assert lead_import.status == LeadImport.Status.RUNNING and lead_import.processed_rows == done
    # What the dead worker committed is whole: each chunk's leads came with its counters.
    assert Lead.objects.filter(org=acme).count() == lead_import.created_count

    # No progress for STALE_AFTER: only then may another worker take a running import over.
    LeadImport.objects.filter(pk=lead_import.pk).update(
        heartbeat_at=F("heartbeat_at") - STALE_AFTER - timedelta(minutes=1)
    )
    stack.worker("restarted")
    # Beat's sweeper sends the import again too: two messages for one import, which runs once.
    send_tasks(stack.env, "leads.tasks.sweep_stuck_imports_task")

    def finished() -> bool:
        lead_import.refresh_from_db()
        return lead_import.status == LeadImport.Status.DONE

    wait_for(finished, 60, "the import to finish", every=0.2)
    counts = ("processed_rows", "created_count", "updated_count", "unchanged_count", "rejected_count")
    assert [getattr(lead_import, c) for c in counts] == [getattr(clean, c) for c in counts]
    assert lead_import.processed_rows == lead_import.total_rows == 4000

    fields = ("email", "first_name", "last_name", "job_title", "company_name", "company__name", "country",
              "employees", "status")  # fmt: skip
    leads = list(Lead.objects.filter(org=acme).values_list(*fields))
    assert len(leads) == len(set(leads)) == lead_import.created_count
    assert sorted(leads) == sorted(Lead.objects.filter(org=globex).values_list(*fields))
    assert Company.objects.filter(org=acme).count() == Company.objects.filter(org=globex).count()

    rejected = list(LeadImportRejection.objects.filter(lead_import=lead_import).values_list("line_number", "reason"))
    assert len(rejected) == len(set(rejected)) == lead_import.rejected_count
    assert sorted(rejected) == sorted(
        LeadImportRejection.objects.filter(lead_import=clean).values_list("line_number", "reason")
    )
    once = (AuditEvent.Kind.IMPORT_STARTED, AuditEvent.Kind.IMPORT_FINISHED)
    assert [audit_count(org, kind) for org in (acme, globex) for kind in once] == [1, 1, 1, 1]
    assert LeadStatusChange.objects.filter(org=acme).count() == LeadStatusChange.objects.filter(org=globex).count()
    assert not Notification.objects.filter(org=acme).exists()

    # The worker evaluates imported leads as they come; what it had not reached yet is still noted,
    # not lost with it: once drained, both organizations' leads are scored alike.
    for org in (acme, globex):
        evaluate_pending(org_id=org.pk)
    assert not PendingEvaluation.objects.filter(org__in=[acme, globex]).exists()
    scored = ("email", "engagement_score", "fit_score", "status")
    assert sorted(Lead.objects.filter(org=acme).values_list(*scored)) == sorted(
        Lead.objects.filter(org=globex).values_list(*scored)
    )


def test_a_reevaluation_whose_worker_is_killed_finishes_after_a_restart_like_a_clean_run(
    stack, acme, globex, marketer, marketing_manager, sales_manager
):
    items = lead_items(8000)
    g = {role: MembershipFactory(org=globex, role=role) for role in (Role.MARKETER, Role.MARKETING_MANAGER,
                                                                     Role.SALES_MANAGER)}  # fmt: skip
    create_leads(globex, items)
    clean = active_criteria(g[Role.MARKETER], [g[Role.MARKETING_MANAGER], g[Role.SALES_MANAGER]])
    for chunk_id in ReevaluationChunk.objects.filter(version=clean).values_list("id", flat=True):
        reevaluate_chunks_task([chunk_id])

    create_leads(acme, items)
    version = proposed_criteria(marketer)
    sign_criteria_version(by=marketing_manager, version=version)
    give_real_password(sales_manager.user)
    worker = stack.worker("first")
    # The second signature activates the version: every open lead is re-evaluated, a job per chunk.
    press(stack, sales_manager, f"/criteria/{version.pk}/sign/", f"/criteria/{version.pk}/")
    version.refresh_from_db()
    assert version.status == CriteriaVersion.Status.ACTIVE
    chunks = ReevaluationChunk.objects.filter(version=version)
    total = chunks.count()
    assert total == 8

    kill_half_way(worker, lambda: chunks.filter(done_at__isnull=False).count(), total, at_least=2)
    stack.worker("restarted")
    wait_for(lambda: not chunks.filter(done_at=None).exists(), 60, "every chunk to be done", every=0.2)

    def outcome(org) -> dict:
        rows = Lead.objects.filter(org=org).values_list("email", "status", "fit_score", "qualified_at")
        return {email: (status, fit, qualified_at is not None) for email, status, fit, qualified_at in rows}

    assert outcome(acme) == outcome(globex)
    statuses = Counter(status for status, _, _ in outcome(acme).values())
    assert set(statuses) == {Lead.Status.MQL, Lead.Status.NURTURING} and statuses.total() == 8000

    def changes(org) -> dict:
        rows = LeadStatusChange.objects.filter(org=org).values("lead__email", "from_status", "to_status")
        return {(r["lead__email"], r["from_status"], r["to_status"]): r["n"] for r in rows.annotate(n=Count("id"))}

    assert changes(acme) == changes(globex)
    assert set(changes(acme).values()) == {1}
    assert LeadEvaluation.objects.filter(org=acme).count() == LeadEvaluation.objects.filter(org=globex).count() == 8000
    assert audit_count(acme, AuditEvent.Kind.CRITERIA_ACTIVATED) == 1
    assert not Notification.objects.filter(org=acme).exists()
