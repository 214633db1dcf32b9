"""A real Celery worker killed with SIGKILL in the middle of an SLA job, then started again: the job's
message comes back from Redis (acks late: a message is acknowledged only when its task is done,
and one held by a dead worker is handed out again once the broker's visibility timeout passed), and
the end state is exactly what a clean run leaves: the same compliance snapshots; every notice once,
none missing.

To make the kill land mid-run every time, the test holds a lock the job needs half-way through (a
table the seventh objective reads; a notification the second chunk of the sweep inserts): the job
commits what comes before, waits on the lock, and is killed there. The kill is a real SIGKILL of the
worker process; the job's open transaction dies with its connection.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from accounts.models import Membership, Notification, NotificationPreference
from accounts.roles import Role
from feedback.models import FollowUp
from leads.models import HandOff, Lead
from sla.models import Agreement, ClockNotice, ComplianceSnapshot, LeadClock, Objective
from sla.services.agreements import create_agreement, propose_agreement, sign_agreement, update_agreement
from sla.services.clocks import sweep_clocks
from sla.services.compliance import compute_history
from sla.tasks import compute_compliance_task, sweep_clocks_task
from tests.conftest import database_url_for_subprocesses
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]
# The test's workers hand a dead worker's message out again after this many seconds (900 in production).
VISIBILITY_TIMEOUT = 2
# Clocks per sweep transaction, in the test's workers and in the test: a few chunks hold a few hundred.
SWEEP_CHUNK = 100
SNAPSHOT_FIELDS = ("objective_id", "period_start", "period_end", "scope", "member_id_key", "member_id", "numerator",
                   "denominator", "value", "met", "final")  # fmt: skip
NOTIFICATION_FIELDS = ("recipient_id", "kind", "title", "body", "link", "lead_id", "dedupe_key")


def start_worker(queue: str) -> subprocess.Popen:
    env = os.environ | {
        "DATABASE_URL": database_url_for_subprocesses(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "SLA_SWEEP_CHUNK": str(SWEEP_CHUNK),
    }
    command = [sys.executable, "-m", "celery", "-A", "smarketing", "worker", "--pool=solo", "-Q", queue,
               "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env)


T0 = [time.monotonic()]


def tick(what):
    print(f"{time.monotonic() - T0[0]:6.1f} {what}", flush=True)


def wait_for(condition, what: str, worker: subprocess.Popen | None = None, seconds: float = 40):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if worker is not None:
            assert worker.poll() is None, f"the worker exited while waiting for {what}"
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def backend_waiting_on_lock(db: psycopg.Connection) -> int | None:
    """The PostgreSQL backend of the worker, once it waits for the lock the test holds."""
    # pg_locks is the whole server's: only this test database's backends count.
    row = db.execute(
        "SELECT l.pid FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid"
        " WHERE NOT l.granted AND l.pid <> pg_backend_pid() AND a.datname = current_database() LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def backend_gone(db: psycopg.Connection, pid: int) -> bool:
    return db.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0] == 0


def kill_and_release(worker: subprocess.Popen, blocker: psycopg.Connection, monitor: psycopg.Connection, pid: int):
    """SIGKILL the worker while it waits; then let go of the lock. The dead worker's session, left
    mid-transaction, notices its client is gone and rolls back: what it had not committed is lost."""
    os.kill(worker.pid, signal.SIGKILL)
    assert worker.wait(timeout=10) == -signal.SIGKILL
    blocker.rollback()
    wait_for(lambda: backend_gone(monitor, pid), "the killed worker's database session to end")


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        worker.wait(timeout=30)


def no_emails(*members) -> None:
    """The notices stay in the app: no e-mail job to leave behind in the broker."""
    for member in members:
        for kind in (Notification.Kind.SLA_AT_RISK, Notification.Kind.SLA_BREACHED):
            NotificationPreference.objects.create(org=member.org, member=member, kind=kind, email=False)


def signed(org, objectives: list[dict]) -> tuple[Agreement, Membership]:
    """The agreement in force, and the sales manager who signed it (breaches escalate to them)."""
    marketing = MembershipFactory(org=org, role=Role.MARKETING_MANAGER)
    sales = MembershipFactory(org=org, role=Role.SALES_MANAGER)
    draft = create_agreement(by=sales)
    update_agreement(by=sales, agreement=draft, name="SLA", summary="", at_risk_share=0.5, objectives=objectives)
    propose_agreement(by=sales, agreement=draft)
    sign_agreement(by=marketing, agreement=draft)
    sign_agreement(by=sales, agreement=draft)
    draft.refresh_from_db()
    return draft, sales


def year_of_handoffs(org, agreement: Agreement, marketer, reps) -> None:
    """Hand-offs over the last eleven months, most answered, some in time, some worked and won."""
    now = timezone.now()
    response = agreement.objectives.get(metric="response_time")
    leads, handoffs, clocks, follow_ups = [], [], [], []
    for n in range(240):
        at = now - timedelta(days=5 + n * 1.4, hours=n % 7)
        rep = reps[n % len(reps)]
        answered = at + timedelta(hours=1 + n % 6) if n % 5 else None
        status = Lead.Status.HANDED_OFF if answered is None else ("won", "lost", "working")[n % 3]
        leads.append(Lead(org=org, email=f"lead{n}@example.test", status=status, owner=rep, qualified_at=at,
                          handed_off_at=at, accepted_at=answered,
                          closed_at=answered + timedelta(days=3) if status in ("won", "lost") else None))  # fmt: skip
    Lead.objects.bulk_create(leads)
    for lead in leads:
        handoffs.append(HandOff(org=org, lead=lead, rep=lead.owner, by=marketer, routing="named",
                                handed_off_at=lead.handed_off_at, accepted_at=lead.accepted_at))  # fmt: skip
    HandOff.objects.bulk_create(handoffs)
    for n, handoff in enumerate(handoffs):
        due = handoff.handed_off_at + timedelta(hours=4)
        met = handoff.accepted_at is not None and handoff.accepted_at <= due
        clocks.append(LeadClock(
            org=org, lead_id=handoff.lead_id, handoff=handoff, objective=response, owner=handoff.rep,
            started_at=handoff.handed_off_at, at_risk_at=handoff.handed_off_at + timedelta(hours=2), due_at=due,
            state="met" if met else "breached", met_at=handoff.accepted_at if met else None,
            breached_at=None if met else due,
        ))  # fmt: skip
        if handoff.accepted_at and n % 4:
            touched = handoff.accepted_at + timedelta(hours=2)
            follow_ups.append(FollowUp(org=org, lead_id=handoff.lead_id, rep=handoff.rep, kind="call",
                                       outcome="connected", occurred_at=touched))  # fmt: skip
    LeadClock.objects.bulk_create(clocks)
    FollowUp.objects.bulk_create(follow_ups)


def snapshot_rows() -> list[tuple]:
    return list(ComplianceSnapshot.objects.order_by(*SNAPSHOT_FIELDS[:5]).values_list(*SNAPSHOT_FIELDS))


def test_a_compliance_run_killed_mid_run_ends_with_the_snapshots_of_a_clean_run(acme):
    T0[0] = time.monotonic()
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "this test needs the real Redis broker"
    marketer = MembershipFactory(org=acme, role=Role.MARKETER)
    reps = [MembershipFactory(org=acme, role=Role.SALES_REP) for _ in range(3)]
    # leads_worked, seventh of eight, reads the follow-ups: the lock on them holds the run there.
    agreement, _ = signed(acme, [
        {"metric": "mqls_delivered", "target": 20}, {"metric": "mql_acceptance", "target": 70},
        {"metric": "handoffs_meeting_criteria", "target": 90}, {"metric": "response_time", "target": 80, "hours": 4},
        {"metric": "close_rate", "target": 30, "period": "quarter"}, {"metric": "mqls_delivered", "target": 10,
        "period": "week"}, {"metric": "leads_worked", "target": 80}, {"metric": "close_rate", "target": 35},
    ])  # fmt: skip
    year_of_handoffs(acme, agreement, marketer, reps)
    tick("data")
    compute_history(org_id=acme.pk, periods=12)
    tick("clean run")
    clean = snapshot_rows()
    assert len(clean) > 8 * 12 * 2 and {row[3] for row in clean} == {"org", "team", "rep"}
    ComplianceSnapshot.objects.all().delete()
    queue = f"sla-kill-{uuid.uuid4().hex[:8]}"
    monitor = psycopg.connect(database_url_for_subprocesses(), autocommit=True)
    blocker = psycopg.connect(database_url_for_subprocesses())
    workers = []
    try:
        blocker.execute("LOCK TABLE feedback_followup IN ACCESS EXCLUSIVE MODE")
        workers.append(start_worker(queue))
        compute_compliance_task.apply_async(args=(acme.pk, 12), queue=queue)
        pid = wait_for(lambda: backend_waiting_on_lock(monitor), "the run to reach leads_worked", workers[0])
        tick("blocked")
        written = ComplianceSnapshot.objects.count()
        first_six = set(Objective.objects.filter(agreement=agreement, position__lt=6).values_list("pk", flat=True))
        assert written == len([row for row in clean if row[0] in first_six]), "what came before is committed"
        kill_and_release(workers[0], blocker, monitor, pid)
        tick("killed")
        assert ComplianceSnapshot.objects.count() == written

        # The message is the killed worker's until the visibility timeout passes; a worker started
        # after that takes it back from Redis and runs the job again, from the start.
        time.sleep(VISIBILITY_TIMEOUT)
        restarted = timezone.now()
        workers.append(start_worker(queue))
        wait_for(
            lambda: ComplianceSnapshot.objects.filter(computed_at__gte=restarted).count() == len(clean),
            "the restarted worker to finish the run", workers[1],
        )  # fmt: skip
        assert snapshot_rows() == clean
        tick("done")
    finally:
        blocker.close()
        monitor.close()
        for worker in workers:
            stop(worker)


def test_a_sweep_killed_mid_run_sends_every_notice_once_and_none_is_missing(acme, settings):
    T0[0] = time.monotonic()
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "this test needs the real Redis broker"
    marketer = MembershipFactory(org=acme, role=Role.MARKETER)
    reps = [MembershipFactory(org=acme, role=Role.SALES_REP) for _ in range(4)]
    agreement, manager = signed(acme, [{"metric": "response_time", "target": 90, "hours": 4}])
    no_emails(*reps, manager)
    response = agreement.objectives.get()
    # More clocks ran out than two chunks of the sweep hold: it takes them in three transactions.
    settings.SLA_SWEEP_CHUNK = SWEEP_CHUNK
    count = 2 * SWEEP_CHUNK + 50
    now = timezone.now()
    leads = Lead.objects.bulk_create(
        Lead(org=acme, email=f"late{n}@example.test", first_name=f"Late{n}", status=Lead.Status.HANDED_OFF,
             owner=reps[n % 4])
        for n in range(count)
    )  # fmt: skip
    handoffs = HandOff.objects.bulk_create(
        HandOff(org=acme, lead=lead, rep=lead.owner, by=marketer, routing="named",
                handed_off_at=now - timedelta(days=2))
        for lead in leads
    )  # fmt: skip
    clocks = LeadClock.objects.bulk_create(
        LeadClock(org=acme, lead_id=h.lead_id, handoff=h, objective=response, owner=h.rep, started_at=h.handed_off_at,
                  at_risk_at=now - timedelta(hours=30) + timedelta(seconds=n),
                  due_at=now - timedelta(hours=20) + timedelta(seconds=n),
                  next_check_at=now - timedelta(hours=30) + timedelta(seconds=n))
        for n, h in enumerate(handoffs)
    )  # fmt: skip
    tick("sweep data")

    # The clean run, in this process: then everything is put back as it was before it.
    assert sweep_clocks() == count
    tick("clean sweep")
    clean_notices = set(ClockNotice.objects.values_list("clock_id", "kind"))
    clean_notifications = sorted(Notification.objects.values_list(*NOTIFICATION_FIELDS))
    assert len(clean_notices) == 2 * count and len(clean_notifications) == 2 * count  # the owner, the manager
    ClockNotice.objects.all().delete()
    Notification.objects.all().delete()
    LeadClock.objects.update(state="on_track", breached_at=None, next_check_at=F("at_risk_at"))
    tick("reset")

    # The last clock is in the sweep's third chunk (it is due a look last): its notice is held.
    last = clocks[-1]
    queue = f"sla-kill-{uuid.uuid4().hex[:8]}"
    monitor = psycopg.connect(database_url_for_subprocesses(), autocommit=True)
    blocker = psycopg.connect(database_url_for_subprocesses())
    workers = []
    try:
        blocker.execute(
            "INSERT INTO accounts_notification (org_id, recipient_id, kind, title, body, link, count, created_at,"
            " updated_at, by_email, dedupe_key) VALUES (%s, %s, 'sla_breached', 'held', '', '', 1, now(), now(),"
            " false, %s)",
            [acme.pk, last.owner_id, f"clock:{last.pk}:breached"],
        )
        workers.append(start_worker(queue))
        sweep_clocks_task.apply_async(queue=queue)
        pid = wait_for(lambda: backend_waiting_on_lock(monitor), "the sweep to reach its third chunk", workers[0])
        tick("sweep blocked")
        assert ClockNotice.objects.count() == 2 * 2 * SWEEP_CHUNK, "the first two chunks are committed"
        assert Notification.objects.count() == 2 * 2 * SWEEP_CHUNK
        kill_and_release(workers[0], blocker, monitor, pid)
        tick("killed")
        assert LeadClock.objects.filter(state="breached").count() == 2 * SWEEP_CHUNK

        time.sleep(VISIBILITY_TIMEOUT)
        workers.append(start_worker(queue))
        wait_for(lambda: not LeadClock.objects.exclude(state="breached").exists(), "the sweep to finish", workers[1])
        tick("sweep done")
        notices = list(ClockNotice.objects.values_list("clock_id", "kind"))
        notifications = sorted(Notification.objects.values_list(*NOTIFICATION_FIELDS))
        assert len(notices) == len(set(notices)) and set(notices) == clean_notices
        assert notifications == clean_notifications
    finally:
        blocker.close()
        monitor.close()
        for worker in workers:
            stop(worker)
