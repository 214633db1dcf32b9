"""100k incoming leads, half already known, through the bulk API vs COPY + INSERT ... ON CONFLICT.

The baseline only writes rows; the bulk path also validates each item, finds each lead's company
by its e-mail domain and answers per item. Between rounds the new leads are removed again, so every
round meets the same table.
"""

from django.db import connection

from bench.api import encode, integration_token, post_all
from bench.data import bench_org
from bench.harness import Result, alternate, timed
from bench.http import gunicorn

INCOMING = 100_000
BATCH = 1000


def _incoming(round_no: int) -> list[dict]:
    half = INCOMING // 2
    known = [{"external_id": f"ext-{n}", "job_title": f"Title {round_no}"} for n in range(1, half + 1)]
    new = [
        {"external_id": f"r{round_no}-new-{n}", "email": f"r{round_no}.new{n}@newco{n % 3000}.example",
         "first_name": "New", "last_name": f"Lead {n}", "job_title": "Buyer", "country": "DE"}
        for n in range(half)
    ]  # fmt: skip
    return known + new


def _forget_new(org_id: int) -> None:
    new = "SELECT id FROM leads_lead WHERE org_id = %s AND external_id LIKE 'r%%-new-%%'"
    with connection.cursor() as cursor:
        for table in ("leads_pendingevaluation", "leads_leadevaluation", "leads_leadstatuschange"):
            cursor.execute(f"DELETE FROM {table} WHERE lead_id IN ({new})", [org_id])
        cursor.execute(f"DELETE FROM leads_lead WHERE id IN ({new})", [org_id])


def _copy_upsert(org_id: int, items: list[dict]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE incoming (external_id text, email text, first_name text, last_name text, "
            "job_title text, country text) ON COMMIT DROP"
        )
        columns = ("external_id", "email", "first_name", "last_name", "job_title", "country")
        with cursor.connection.cursor().copy(f"COPY incoming ({', '.join(columns)}) FROM STDIN") as copy:
            for item in items:
                copy.write_row([item.get(c) for c in columns])
        cursor.execute(
            """
            INSERT INTO leads_lead AS l (org_id, external_id, email, first_name, last_name, phone, job_title,
                company_name, industry, country, region, source, buying_authority, timeline, pain_points,
                current_supplier, notes, status, engagement_score, created_at, updated_at)
            SELECT %s, external_id, coalesce(email, ''), coalesce(first_name, ''), coalesce(last_name, ''), '',
                job_title, '', '', coalesce(country, ''), '', '', 'unknown', 'unknown', '{}', '', '', 'new', 0,
                now(), now()
            FROM incoming
            ON CONFLICT (org_id, external_id) WHERE external_id <> '' DO UPDATE SET job_title = EXCLUDED.job_title,
                updated_at = now()
            """,
            [org_id],
        )


def run(*, scale: str, env: dict) -> list[Result]:
    member = bench_org()
    token = integration_token(member)
    round_no = 0
    with gunicorn(env) as base:
        url = f"{base}/api/v1/leads/bulk/"

        def through_api() -> float:
            nonlocal round_no
            round_no += 1
            items = _incoming(round_no)
            bodies = [encode(items[start : start + BATCH]) for start in range(0, len(items), BATCH)]
            answers: list[dict] = []
            seconds = timed(lambda: answers.extend(post_all(url, token, bodies)))
            totals = {k: sum(a["counts"][k] for a in answers) for k in ("created", "updated", "duplicate", "error")}
            assert totals == {"created": INCOMING // 2, "updated": INCOMING // 2, "duplicate": 0, "error": 0}, totals
            _forget_new(member.org_id)
            return INCOMING / seconds

        def baseline() -> float:
            nonlocal round_no
            round_no += 1
            items = _incoming(round_no)
            from django.db import transaction

            def write():
                with transaction.atomic():
                    _copy_upsert(member.org_id, items)

            seconds = timed(write)
            _forget_new(member.org_id)
            return INCOMING / seconds

        a, b = alternate(baseline, through_api, rounds=2 if scale == "small" else 3)
    return [Result("lead_upsert_100k", "leads/s", a, b, "higher", 0.25, ">=0.25x", {"batch": BATCH})]
