"""One evaluation job per organization waits in the queue at a time, and no noted lead waits for the sweeper.

Batches of events and leads nudge the job once they commit. While a job is queued and has not
started, a batch is seen by it and sends nothing; once it starts, the next batch sends its own.
"""

import threading
from datetime import timedelta

import pytest
import redis
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead, PendingEvaluation
from leads.services.events import record_engagement_events
from leads.services.leads import upsert_leads
from leads.services.qualification import evaluate_pending
from leads.tasks import evaluate_pending_task
from smarketing import queue
from smarketing.outage import Pause
from tests.conftest import api_client

pytestmark = pytest.mark.django_db
EVENTS = reverse("api:events")


def when(minutes_ago: float = 0) -> str:
    return (timezone.now() - timedelta(minutes=minutes_ago)).isoformat()


@pytest.fixture
def sent(monkeypatch):
    """The evaluation jobs sent to the broker, by organization (none is delivered: nothing runs them)."""
    jobs: list[int] = []
    monkeypatch.setattr(queue, "broker_pause", Pause(seconds=5))
    monkeypatch.setattr(queue, "waiting_pause", Pause(seconds=5))
    monkeypatch.setattr(evaluate_pending_task, "apply_async", lambda args, kwargs: jobs.append(args[0]))
    return jobs


@pytest.fixture
def jane(acme):
    upsert_leads(org=acme, items=[{"external_id": "hs-1", "email": "jane@initech.com"}])
    return Lead.objects.get(org=acme, external_id="hs-1")


def send_event(member, lead, kind="view"):
    body = {"items": [{"lead": lead.pk, "kind": kind, "occurred_at": when()}]}
    response = api_client(member).post(EVENTS, body, format="json")
    assert response.json()["counts"]["created"] == 1


def test_batches_arriving_while_the_job_waits_send_no_second_job(
    marketer, jane, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_event(marketer, jane, "view")
        send_event(marketer, jane, "download")
    assert sent == [jane.org_id]
    evaluate_pending_task(jane.org_id)
    jane.refresh_from_db()
    assert jane.engagement_score == 6.0  # the view and the download, both seen by the one job
    with django_capture_on_commit_callbacks(execute=True):
        send_event(marketer, jane, "click")
    assert sent == [jane.org_id, jane.org_id]


def test_each_organization_gets_its_own_job(marketer, globex_admin, jane, sent, django_capture_on_commit_callbacks):
    upsert_leads(org=globex_admin.org, items=[{"email": "gus@globex.test"}])
    gus = Lead.objects.get(org=globex_admin.org)
    with django_capture_on_commit_callbacks(execute=True):
        send_event(marketer, jane)
        send_event(globex_admin, gus)
    assert sorted(sent) == sorted([jane.org_id, gus.org_id])


@pytest.mark.django_db(transaction=True)
def test_a_batch_whose_note_the_job_skipped_sends_a_job_of_its_own(acme, sent):
    upsert_leads(org=acme, items=[{"external_id": "hs-1", "email": "jane@initech.com"}])
    jane = Lead.objects.get(org=acme, external_id="hs-1")
    evaluate_pending(org_id=acme.pk)
    record_engagement_events(org=acme, items=[{"lead": jane.pk, "kind": "view", "occurred_at": when(2)}])
    assert sent == [acme.pk, acme.pk]  # the new lead's, then the first event's
    holding, may_commit = threading.Event(), threading.Event()

    def batch_keeps_the_note_locked():
        # Jane is noted already: this batch keeps her note under a shared lock until it commits.
        try:
            with transaction.atomic():
                record_engagement_events(org=acme, items=[{"lead": jane.pk, "kind": "click", "occurred_at": when()}])
                holding.set()
                assert may_commit.wait(timeout=30)
        finally:
            connection.close()

    batch = threading.Thread(target=batch_keeps_the_note_locked)
    batch.start()
    assert holding.wait(timeout=30)
    # The job queued for the first event runs now and skips the locked note.
    assert evaluate_pending(org_id=acme.pk) == 0
    may_commit.set()
    batch.join()
    assert sent == [acme.pk, acme.pk, acme.pk]  # the batch's own job, sent once it committed
    assert evaluate_pending(org_id=acme.pk) == 1
    assert not PendingEvaluation.objects.exists()
    jane.refresh_from_db()
    assert jane.engagement_score == 3.0  # the view and the click


def test_a_job_that_could_not_be_sent_lets_the_next_batch_send_one(
    marketer, jane, sent, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(args, kwargs):
        raise OSError("broker down")

    monkeypatch.setattr(evaluate_pending_task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        send_event(marketer, jane)
    monkeypatch.setattr(evaluate_pending_task, "apply_async", lambda args, kwargs: sent.append(args[0]))
    monkeypatch.setattr(queue, "broker_pause", Pause(seconds=5))  # the broker is back
    with django_capture_on_commit_callbacks(execute=True):
        send_event(marketer, jane)
    assert sent == [jane.org_id]


def test_without_the_waiting_marks_every_batch_sends_its_job(
    marketer, jane, sent, monkeypatch, django_capture_on_commit_callbacks
):
    unreachable = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2, socket_timeout=0.2)
    monkeypatch.setattr(queue, "_waiting_store", [unreachable])
    with django_capture_on_commit_callbacks(execute=True):
        send_event(marketer, jane)
        send_event(marketer, jane)
    assert sent == [jane.org_id, jane.org_id]
    evaluate_pending_task(jane.org_id)
    assert not PendingEvaluation.objects.exists()
