"""Several minutes of a realistic mix (event batches, lead list and lead pages, inbox, accepts,
follow-ups, dashboards) from four concurrent clients, vs the minimal JSON view with the same clients.

Besides the throughput ratio it reports what must hold under load: no 5xx, under 1% failed answers,
and every event the API said it stored is in the database.
"""

from django.db import connection

from accounts.models import Membership, User
from accounts.roles import Role
from accounts.services import create_api_token
from bench.api import integration_token
from bench.data import bench_org, session_cookie
from bench.harness import Result
from bench.http import gunicorn
from bench.load import Actors, run_baseline, run_load
from bench.scenarios.dashboards import _setup as with_handoffs
from bench.scenarios.lead_list import marketer
from feedback.services.snapshots import refresh_dashboards

SECONDS = {"small": 60, "full": 300}


def _manager(org) -> Membership:
    user = User.objects.filter(email="bench-manager@bench.test").first() or User.objects.create_user(
        "bench-manager@bench.test", None, full_name="Bench Manager"
    )
    member, _ = Membership.objects.get_or_create(
        org=org, user=user, defaults={"role": Role.SALES_MANAGER, "side": "sales"}
    )
    return member


def actors() -> Actors:
    admin = bench_org()
    reps = with_handoffs(admin)
    refresh_dashboards(org_id=admin.org_id, full=True)
    rep = Membership.objects.get(pk=reps[0])
    _token, rep_token = create_api_token(by=rep, member=rep, name="load")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM leads_lead WHERE org_id = %s ORDER BY id LIMIT 20000", [admin.org_id])
        lead_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id, status FROM leads_lead WHERE owner_id = %s AND status IN "
                       "('handed_off', 'accepted', 'working')", [rep.pk])  # fmt: skip
        rows = cursor.fetchall()
    return Actors(
        integration_token=integration_token(admin), rep_token=rep_token,
        marketer_cookie=session_cookie(marketer()), rep_cookie=session_cookie(rep),
        manager_cookie=session_cookie(_manager(admin.org)), lead_ids=lead_ids,
        handed_off_ids=[pk for pk, status in rows if status == "handed_off"],
        accepted_ids=[pk for pk, status in rows if status != "handed_off"],
    )  # fmt: skip


def stored_events(run_tag: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM leads_engagementevent WHERE external_id LIKE %s", [f"load-{run_tag}-%"])
        return cursor.fetchone()[0]


def run(*, scale: str, env: dict) -> list[Result]:
    cast = actors()
    with gunicorn(env) as base:
        run_baseline(base, seconds=3)  # warm up
        baseline = run_baseline(base, seconds=15)
        report = run_load(base, cast, seconds=SECONDS[scale])
    in_database = stored_events(cast.run_tag)
    stored_equals_sent = in_database == report.events_stored == report.events_sent
    notes = report.summary() | {"events_in_database": in_database, "stored_equals_sent": stored_equals_sent}
    failed = {"server_errors": report.server_errors, "stored_equals_sent": stored_equals_sent}
    return [
        Result("load_mix", "req/s", [baseline], [report.rps], "higher", 0.05, ">=0.05x", notes),
        Result("load_failed_answers", "share", [1.0], [report.failure_ratio], "lower", 0.01, "<1%", failed),
    ]
