"""Engagement events posted over HTTP in batches of 100 and 5000 vs COPY of the same rows.

COPY into the same table with its indexes is the honest ceiling for ingest; the API also validates
every item, resolves leads and assets, reports per item and rescores the leads it touched.

What the scenario stores (over a million events in the last hour, on half the bench org's leads)
is removed afterwards: the later scenarios meet the data as generated, whichever ran before them.
"""

import json
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from django.db import connection
from django.utils import timezone

from bench.api import encode, integration_token
from bench.data import bench_org
from bench.harness import Result, alternate, timed
from bench.http import gunicorn, wrk
from leads.models import Lead

COPY_ROWS = 20_000


def _events(lead_ids: list[int], count: int, rng: random.Random) -> list[dict]:
    moment = (timezone.now() - timedelta(hours=1)).isoformat()
    chosen = rng.sample(lead_ids, count)
    return [
        {"lead": lead_id, "kind": rng.choice(["view", "click", "download"]), "occurred_at": moment}
        for lead_id in chosen
    ]


def _copy(org_id: int, lead_ids: list[int], rng: random.Random) -> float:
    rows = [
        (org_id, rng.choice(lead_ids), "view", datetime.now(UTC), "bench", "", "{}", datetime.now(UTC))
        for _ in range(COPY_ROWS)
    ]

    def load():
        with connection.cursor() as cursor:
            copy_sql = (
                "COPY leads_engagementevent (org_id, lead_id, kind, occurred_at, source, external_id, metadata, "
                "received_at) FROM STDIN"
            )
            with cursor.connection.cursor().copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)

    return COPY_ROWS / timed(load)


def _lua(token: str, body: bytes, folder: Path) -> Path:
    script = folder / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body.decode())}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    )
    return script


def run(*, scale: str, env: dict) -> list[Result]:
    member = bench_org()
    started = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM leads_engagementevent")
        last_generated = cursor.fetchone()[0]
    try:
        return _measure(member, env, scale)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM leads_engagementevent WHERE id > %s", [last_generated])
            cursor.execute(
                "DELETE FROM leads_pendingevaluation WHERE org_id = %s AND since >= %s", [member.org_id, started]
            )


def _measure(member, env: dict, scale: str) -> list[Result]:
    token = integration_token(member)
    lead_ids = list(Lead.objects.filter(org=member.org).values_list("id", flat=True)[:50_000])
    rng = random.Random(7)
    results = []
    seconds = 8 if scale == "small" else 15
    with gunicorn(env) as base, tempfile.TemporaryDirectory() as folder:
        url = f"{base}/api/v1/events/"
        # Bad items are reported one by one while the good ones are stored.
        mixed = [*_events(lead_ids, 8, rng), {"lead": 0, "kind": "view"}, {"kind": "nap"}, "x"]
        answer = requests.post(url, data=encode(mixed), headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"}, timeout=60).json()  # fmt: skip
        assert answer["counts"] == {"created": 8, "updated": 0, "duplicate": 0, "error": 3}, answer
        for size in (100, 5000):
            script = _lua(token, encode(_events(lead_ids, size, rng)), Path(folder))
            runs: list[dict] = []

            def post(script=script, size=size, runs=runs) -> float:
                figures = wrk(url, seconds=seconds, script=str(script))
                runs.append(figures)
                assert figures["non_2xx"] == 0, figures
                return figures["rps"] * size

            a, b = alternate(lambda: _copy(member.org_id, lead_ids, rng), post, rounds=3)
            measured = runs[1:]
            p50, p99 = max(r["p50_ms"] for r in measured), max(r["p99_ms"] for r in measured)
            notes = {"batch": size, "p50_ms": p50, "p99_ms": p99, "p99_under_3x_p50": p99 < 3 * p50}
            results.append(Result(f"ingest_events_batch_{size}", "events/s", a, b, "higher", 0.40, ">=0.40x", notes))
    return results
