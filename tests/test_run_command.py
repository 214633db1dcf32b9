"""Guards the README's first command: embedded PostgreSQL, filesystem broker, web + worker + beat."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings

from accounts.demo import DEMO_PASSWORD, DEMO_PEOPLE

ROLE_PAGES = {
    "admin@demo.test": [
        "/",
        "/accounts/members/",
        "/accounts/settings/",
        "/accounts/audit-log/",
        "/accounts/api-tokens/",
    ],
}
COMMON_PAGES = ["/", "/accounts/account/", "/accounts/api-tokens/"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def signed_in_session(base: str, email: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "email": email, "password": DEMO_PASSWORD},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, f"{email} could not sign in"
    return session


def stop(process: subprocess.Popen) -> None:
    """Ctrl-C's equivalent for the whole process group; the launcher stops its children and PostgreSQL."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise


@pytest.fixture
def var_dir():
    """The launcher's var/ outside pytest's temporary root.

    Run as root, the embedded PostgreSQL drops to a user of its own and opens the folders above its data
    for it; pytest closes its root (mode 0700) again whenever another session starts, mid-initdb.
    """
    path = Path(tempfile.mkdtemp(prefix="smarketing-run-")) / "var"
    yield path
    shutil.rmtree(path.parent, ignore_errors=True)


@pytest.mark.slow
def test_run_command_serves_every_demo_role_with_a_working_worker(tmp_path: Path, var_dir: Path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DEBUG"}}
    env |= {"VAR_DIR": str(var_dir), "PORT": str(port)}
    log = (tmp_path / "run.log").open("w")
    launcher = subprocess.Popen(
        [sys.executable, "-m", "smarketing.launcher", "run"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def healthy():
            assert launcher.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
            try:
                return requests.get(f"{base}/healthz", timeout=2).status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(healthy, 180, "the app to answer")
        run_env = dict(line.split("=", 1) for line in (var_dir / "run.env").read_text().splitlines() if "=" in line)
        subprocess.run(
            [sys.executable, "-c", "from smarketing.tasks import record_worker_heartbeat as t; t.delay()"],
            cwd=settings.BASE_DIR,
            env=env | run_env,
            check=True,
            timeout=60,
        )
        wait_for(lambda: requests.get(f"{base}/healthz", timeout=5).json()["worker_last_seen"], 60, "the worker")

        for email, name, role, _side in DEMO_PEOPLE:
            session = signed_in_session(base, email)
            for path in ROLE_PAGES.get(email, COMMON_PAGES):
                page = session.get(f"{base}{path}", timeout=10)
                assert page.status_code == 200, f"{path} as {email}"
                assert name in page.text
            assert role.label in session.get(base, timeout=10).text
            css = re.search(r'href="(/static/smarketing/app[^"]*\.css)"', page.text).group(1)
            assert session.get(f"{base}{css}", timeout=10).status_code == 200
    finally:
        stop(launcher)
        log.close()
    assert not (var_dir / "postgres" / "postmaster.pid").exists(), "the embedded PostgreSQL kept running"
