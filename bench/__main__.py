"""python -m bench [--scale small|full] [--only NAME,...] [--json FILE]

Runs in a dedicated database (smarketing_bench on the configured PostgreSQL server, or
BENCH_DATABASE_URL), rebuilt per run.
"""

import argparse
import importlib
import os
import subprocess
import sys

import dj_database_url
import psycopg

SCENARIOS = ["shell_page", "ingest", "lead_upsert", "lead_list", "reevaluation", "sla", "dashboards", "load"]


def bench_database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/smarketing")
    return url.rsplit("/", 1)[0] + "/smarketing_bench"


def recreate(url: str) -> None:
    settings = dj_database_url.parse(url)
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{settings["NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{settings["NAME"]}"')


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scale", choices=["small", "full"], default="small")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    chosen = [s for s in SCENARIOS if not args.only or s in args.only.split(",")]

    url = bench_database_url()
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "DEBUG": "0",
        "API_RATE_MEMBER": "100000000/min",
        "API_RATE_ANONYMOUS": "100000000/min",
        # Jobs the API enqueues go to a Redis database of their own, emptied before each run.
        "CELERY_BROKER_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    }
    os.environ.update(env)
    print(f"rebuilding {url} ...", flush=True)
    recreate(url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], check=True, env=os.environ)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], check=True, env=os.environ)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    import redis
    from django.db import connection

    from bench.data import generate_leads, vacuum_analyze
    from bench.harness import environment, report

    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    print(f"generating {args.scale} data ...", flush=True)
    generate_leads(scale=args.scale)
    vacuum_analyze()
    results = []
    for name in chosen:
        print(f"running {name} ...", flush=True)
        # Earlier scenarios churn the tables; production has autovacuum, so each starts vacuumed.
        vacuum_analyze()
        module = importlib.import_module(f"bench.scenarios.{name}")
        measured = module.run(scale=args.scale, env=env)
        # Printed as soon as measured too: a later scenario that fails does not take these along.
        for result in measured:
            print(f"  {result.line()}", flush=True)
        results.extend(measured)
    with connection.cursor() as cursor:
        return report(results, environment(cursor), args.json)


if __name__ == "__main__":
    sys.exit(main())
