"""The "All leads" page of an org with 100k leads (among 1M at full scale) vs a minimal JSON view."""

from django.db import connection

from accounts.models import Membership, User
from accounts.roles import Role
from bench.data import bench_org, session_cookie
from bench.harness import Result, alternate
from bench.http import gunicorn, wrk


def marketer() -> Membership:
    org = bench_org().org
    user = User.objects.filter(email="bench-marketer@bench.test").first() or User.objects.create_user(
        "bench-marketer@bench.test", None, full_name="Bench Marketer"
    )
    member, _ = Membership.objects.get_or_create(
        org=org, user=user, defaults={"role": Role.MARKETER, "side": "marketing"}
    )
    return member


def run(*, scale: str, env: dict) -> list[Result]:
    cookie = session_cookie(marketer())
    # The list as autovacuum keeps it: the lead upsert just before rewrote half the leads, and their
    # pages would otherwise send the count's index-only scan to the table for every row it counts.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE leads_lead")
    seconds = 6 if scale == "small" else 12
    runs: dict[str, list[dict]] = {"baseline": [], "page": []}
    with gunicorn(env) as base:

        def baseline() -> float:
            runs["baseline"].append(wrk(f"{base}/bench/baseline/", seconds=seconds))
            return runs["baseline"][-1]["rps"]

        def page() -> float:
            runs["page"].append(wrk(f"{base}/leads/", seconds=seconds, cookie=cookie))
            return runs["page"][-1]["rps"]

        a, b = alternate(baseline, page, rounds=3)
    measured = runs["page"][1:]
    assert all(r["non_2xx"] == 0 for r in measured), "the page answered errors"
    p99 = max(r["p99_ms"] for r in measured)
    notes = {"page_p50_ms": max(r["p50_ms"] for r in measured), "page_p99_ms": p99, "p99_under_50ms": p99 < 50}
    return [Result("lead_list_page", "req/s", a, b, "higher", 0.08, ">=0.08x", notes)]
