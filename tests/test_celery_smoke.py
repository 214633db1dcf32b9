import os
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings

from smarketing.tasks import last_worker_heartbeat, record_worker_heartbeat
from tests.conftest import database_url_for_subprocesses


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_through_redis_runs_on_a_real_worker():
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "the smoke test needs the real Redis broker"
    queue = f"smoke-{uuid.uuid4().hex[:8]}"
    env = os.environ | {
        "DATABASE_URL": database_url_for_subprocesses(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "smarketing",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=env,
    )
    try:
        assert last_worker_heartbeat() is None
        record_worker_heartbeat.apply_async(queue=queue)
        deadline = time.monotonic() + 60
        while last_worker_heartbeat() is None and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker exited"
            time.sleep(0.3)
        assert last_worker_heartbeat() is not None, "the worker never ran the task"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
