"""Redis down: people and integrations keep working, and nothing they started is lost.

The app runs as in production (gunicorn, DEBUG off) with its broker and throttle cache on a Redis
of the test's own, which is either stopped (the port refuses connections) or frozen (SIGSTOP: the
port accepts connections and never answers, like a Redis blocked or cut off by the network, the
case that turns into hanging requests). Then Redis comes back, beat's sweepers run once (sent by
name through the broker, as beat sends them) and a real worker does the work that was waiting in
PostgreSQL.
"""

import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.db.models import F
from django.utils import timezone

from accounts.models import AuditEvent, Notification
from accounts.roles import Role
from leads.csv_import import guess_mapping
from leads.models import EngagementEvent, Lead, LeadImport, PendingEvaluation
from leads.services.handoff import hand_off_lead
from leads.services.leads import upsert_leads
from smarketing.celery import app as celery_app
from tests.factories import PASSWORD, MembershipFactory, make_token
from tests.faults.data import active_criteria, lead_file
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
S = Lead.Status
# What a person waits for at most before a page or an API call answers while Redis is down.
PATIENCE = 5.0
SWEEPERS = [
    "leads.tasks.sweep_pending_evaluations_task",
    "leads.tasks.sweep_stuck_imports_task",
    "accounts.tasks.sweep_notification_emails_task",
]


class Calls:
    """Every request of the outage with its answer and how long it took, checked together at the end."""

    def __init__(self, base: str):
        self.base, self.made = base, []

    def __call__(self, session: requests.Session, method: str, path: str, **kwargs) -> requests.Response:
        started = time.monotonic()
        response = session.request(method, f"{self.base}{path}", timeout=30, allow_redirects=False, **kwargs)
        self.made.append((f"{method} {path}", response.status_code, time.monotonic() - started))
        return response

    def form(self, session: requests.Session, path: str, data: dict | None = None, **kwargs) -> requests.Response:
        started = time.monotonic()
        response = form_post(session, f"{self.base}{path}", data, **kwargs)
        self.made.append((f"POST {path} (form)", response.status_code, time.monotonic() - started))
        return response

    def problems(self) -> list[str]:
        return [f"{call}: {status} in {seconds:.1f} s" for call, status, seconds in self.made
                if status >= 500 or seconds > PATIENCE]  # fmt: skip


def api(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def signed_in(base: str, member) -> requests.Session:
    session, response = sign_in(base, member.user.email)
    assert response.status_code == 302, f"{member.user.email} could not sign in"
    return session


def mails_to(folder: Path, address: str) -> int:
    return sum(part.read_text().count(f"To: {address}") for part in (folder / "mail").glob("*"))


@pytest.fixture
def people(acme, marketer, rep, sales_manager, marketing_manager):
    for member in (marketer, rep, sales_manager):
        give_real_password(member.user)
    locked = MembershipFactory(org=acme, role=Role.MARKETER, user__email="forgetful@acme.test")
    give_real_password(locked.user)
    return {"marketer": marketer, "rep": rep, "sales_manager": sales_manager, "locked": locked}


@pytest.mark.parametrize("failure", ["stopped", "frozen"])
def test_with_redis_down_pages_and_api_answer_and_the_work_is_done_once_it_is_back(
    failure, tmp_path, acme, people, marketing_manager
):
    marketer, rep, sales_manager = people["marketer"], people["rep"], people["sales_manager"]
    active_criteria(marketer, [marketing_manager, sales_manager])
    upsert_leads(org=acme, items=[{"email": "handed@initech.de", "country": "DE", "employees": 300}])
    handed = Lead.objects.get(org=acme, email="handed@initech.de")
    Lead.objects.filter(pk=handed.pk).update(status=S.MQL)
    hand_off_lead(lead=handed, by=marketer, rep=rep)
    marketing_token, rep_token = make_token(marketer), make_token(rep)

    redis = RedisServer(free_port(), tmp_path / "redis")
    if failure == "frozen":
        redis.start().freeze()
    env = app_environment(redis_url=redis.url, folder=tmp_path)
    web, worker = WebServer(env, tmp_path), Worker(env, tmp_path, "after-outage")
    try:
        web.start()
        # The worker runs through the outage, retrying its connection, as it would in production.
        worker.start()
        call = Calls(web.base)

        # Sign-in, and its lockout, are counted in PostgreSQL: five failures lock the address out.
        call(requests.Session(), "GET", "/accounts/login/")
        attempts = [sign_in(web.base, "forgetful@acme.test", "not the password")[1] for _ in range(5)]
        assert [a.status_code for a in attempts] == [200, 200, 200, 200, 429]
        assert sign_in(web.base, "forgetful@acme.test", PASSWORD)[1].status_code == 429
        assert AuditEvent.objects.filter(
            kind=AuditEvent.Kind.LOGIN_LOCKED_OUT, actor_label="forgetful@acme.test"
        ).exists()

        marketing, sales, managing = (
            signed_in(web.base, marketer),
            signed_in(web.base, rep),
            signed_in(web.base, sales_manager),
        )
        for path in ("/", "/leads/", "/leads/qualified/", f"/leads/{handed.pk}/", "/leads/import/"):
            assert call(marketing, "GET", path).status_code == 200, path
        for path in ("/inbox/", f"/inbox/{handed.pk}/"):
            assert call(sales, "GET", path).status_code == 200, path
        assert call(managing, "GET", "/dashboard/").status_code == 200
        refresh = call.form(managing, "/dashboard/refresh/", form_url=f"{web.base}/dashboard/")
        assert refresh.status_code == 302
        started = time.monotonic()
        health = call(requests.Session(), "GET", "/healthz")
        assert (health.status_code, health.json()["database"], health.json()["broker"]) == (200, "ok", "down")
        # Within the 3 s docker-compose's health check gives it: a web container stays healthy.
        assert time.monotonic() - started < 3

        # A CSV import is started from the pages: it waits, queued, in PostgreSQL.
        upload = call.form(marketing, "/leads/import/", files={"file": ("fair.csv", lead_file(120), "text/csv")})
        assert upload.status_code == 302, upload.text[-2000:]
        lead_import = LeadImport.objects.get(org=acme)
        columns = f"/leads/import/{lead_import.pk}/columns/"
        mapping = {f"col_{i}": name for i, name in enumerate(guess_mapping(lead_import.headers))}
        assert call.form(marketing, columns, mapping).status_code == 302
        start = f"/leads/import/{lead_import.pk}/start/"
        preview = f"/leads/import/{lead_import.pk}/preview/"
        assert call.form(marketing, start, form_url=f"{web.base}{preview}").status_code == 302
        assert call(marketing, "GET", f"/leads/import/{lead_import.pk}/").status_code == 200

        # The API: reads, a batch of leads, a batch of events, a hand-off accepted.
        assert call(api(marketing_token), "GET", "/api/v1/leads/").status_code == 200
        batch = {"items": [
            {"email": "anna@fit.de", "country": "DE", "employees": 500, "buying_authority": "decision_maker"},
            {"email": "bo@small.de", "country": "DE", "employees": 10, "buying_authority": "user"},
        ]}  # fmt: skip
        created = call(api(marketing_token), "POST", "/api/v1/leads/bulk/", json=batch)
        assert created.status_code == 200 and created.json()["counts"]["created"] == 2, created.text
        now = timezone.now()
        events = {"items": [
            {"lead_email": "anna@fit.de", "asset_title": "Pricing page", "asset_kind": "pricing_page", "kind": "view",
             "occurred_at": (now - timedelta(minutes=n)).isoformat(), "external_id": f"view-{n}"}
            for n in range(3)
        ]}  # fmt: skip
        engaged = call(api(marketing_token), "POST", "/api/v1/events/", json=events)
        assert engaged.status_code == 200 and engaged.json()["counts"]["created"] == 3, engaged.text
        accepted = call(api(rep_token), "POST", f"/api/v1/leads/{handed.pk}/accept/", json={})
        assert accepted.status_code == 200 and accepted.json()["status"] == "accepted", accepted.text
        # Throttle counters live in Redis: without it the API lets calls through instead of failing them.
        for _ in range(20):
            call(api(marketing_token), "GET", "/api/v1/leads/?page_size=1")

        problems = call.problems()
        assert not problems, f"Redis {failure}: slow or failed answers:\n" + "\n".join(problems)

        # Everything sent is committed in PostgreSQL; the work it implies waits there.
        anna, bo = Lead.objects.get(org=acme, email="anna@fit.de"), Lead.objects.get(org=acme, email="bo@small.de")
        assert (anna.status, bo.status) == (S.NEW, S.NEW)
        assert EngagementEvent.objects.filter(org=acme, lead=anna).count() == 3
        assert set(PendingEvaluation.objects.filter(org=acme).values_list("lead_id", flat=True)) >= {anna.pk, bo.pk}
        handed.refresh_from_db()
        assert handed.status == S.ACCEPTED
        lead_import.refresh_from_db()
        assert lead_import.status == LeadImport.Status.QUEUED
        notices = Notification.objects.filter(org=acme, by_email=True)
        assert notices.filter(recipient=marketer, kind=Notification.Kind.LEAD_ACCEPTED, emailed_at=None).exists()

        # The outage lasted a few minutes: long enough for the sweepers to see the waiting work as lost.
        earlier = timedelta(minutes=5)
        PendingEvaluation.objects.filter(org=acme).update(since=F("since") - earlier)
        LeadImport.objects.filter(org=acme).update(heartbeat_at=F("heartbeat_at") - earlier)
        notices.update(created_at=F("created_at") - earlier)

        if failure == "frozen":
            redis.thaw()
        else:
            redis.start()
        assert {task["task"] for task in celery_app.conf.beat_schedule.values()} >= set(SWEEPERS)
        send_tasks(env, *SWEEPERS)

        def done() -> bool:
            assert worker.alive(), worker.log.read_text()[-3000:]
            lead_import.refresh_from_db()
            return (
                not PendingEvaluation.objects.filter(org=acme).exists()
                and lead_import.status == LeadImport.Status.DONE
                and not notices.filter(emailed_at=None).exists()
            )

        wait_for(done, 45, "the work of the outage", every=0.3)
        anna.refresh_from_db(), bo.refresh_from_db()
        assert (anna.status, anna.fit_score) == (S.MQL, 100)
        assert anna.engagement_score > 0
        assert (bo.status, bo.fit_score) == (S.NURTURING, 0)
        assert lead_import.processed_rows == lead_import.total_rows == 120
        assert lead_import.created_count > 100
        # Each notice e-mailed once, even where the frozen Redis delivered its first message late.
        assert mails_to(tmp_path, marketer.user.email) == 1
        assert mails_to(tmp_path, rep.user.email) == notices.filter(recipient=rep).count() == 1
    finally:
        worker.stop()
        web.stop()
        redis.stop()
