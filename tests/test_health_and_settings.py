import os
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from smarketing.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["broker"] in {"ok", "down"}


def test_healthz_answers_quickly_with_the_broker_down(client, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    started = time.monotonic()
    body = client.get("/healthz").json()
    assert body["broker"] == "down" and body["status"] == "ok"
    assert time.monotonic() - started < 15


def database_url_of_the_tests() -> str:
    # The checks look at the server's version, so they need a database that exists: the test one.
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgresql://{quote(db['USER'], safe='')}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE belongs to the test process (see conftest), not to a deployment.
    ignored = {"DEBUG", "SITE_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in ignored}
    environment["DATABASE_URL"] = database_url_of_the_tests()
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SITE_URL="https://smarketing.example.com",
        SECRET_KEY="k" * 40 + "-production-secret-9f8e7d6c",
        EMAIL_URL="smtp://mailer:secret@smtp.example.com:587?tls=1",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_fails_without_a_secret_key():
    result = manage("check", "--deploy", "--fail-level", "WARNING", SITE_URL="https://smarketing.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr + result.stdout


def test_a_non_postgres_database_url_is_refused():
    result = manage("check", DATABASE_URL="sqlite:///db.sqlite3")
    assert result.returncode != 0 and "PostgreSQL" in result.stderr
