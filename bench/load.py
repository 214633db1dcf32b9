"""A realistic mix of users and tools against a running server, for minutes: the load test.

Marketing tools post event batches; marketers open the lead list and lead pages; reps open their
inbox, accept hand-offs and log follow-ups through the API; managers open the dashboard. Several
clients run at once, each on its own keep-alive connection. Every answer is counted by kind and
status, and every event a 2xx answer reported stored is counted, to be checked against the database.
"""

import random
import statistics
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

# How often each kind of request comes, out of 100.
MIX = {
    "event_batch": 25,
    "lead_list": 15,
    "lead_page": 10,
    "inbox": 15,
    "accept": 10,
    "follow_up": 10,
    "dashboard": 15,
}
EVENTS_PER_BATCH = 100


@dataclass
class Actors:
    """Who the clients act as, and the leads they work on."""

    integration_token: str
    rep_token: str
    marketer_cookie: str
    rep_cookie: str
    manager_cookie: str
    lead_ids: list[int]
    handed_off_ids: list[int]
    accepted_ids: list[int]
    run_tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])


@dataclass
class LoadReport:
    seconds: float
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    events_sent: int = 0
    events_stored: int = 0

    @property
    def requests(self) -> int:
        return sum(sum(c.values()) for c in self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for c in self.statuses.values() for status, n in c.items() if status >= 500)

    @property
    def failures(self) -> int:
        """Answers a user would see as failed: any 4xx or 5xx, and requests that got no answer (status 0)."""
        return sum(n for c in self.statuses.values() for status, n in c.items() if status >= 400 or status == 0)

    @property
    def failure_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 1.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def p99_ms(self, kind: str) -> float:
        values = sorted(self.latencies[kind])
        return 1000 * values[min(len(values) - 1, int(len(values) * 0.99))] if values else 0.0

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "req_per_s": round(self.rps, 1),
            "server_errors": self.server_errors,
            "failure_ratio": round(self.failure_ratio, 4),
            "events_sent": self.events_sent,
            "events_stored": self.events_stored,
            "p50_ms": {k: round(1000 * statistics.median(v), 1) for k, v in self.latencies.items() if v},
            "p99_ms": {k: round(self.p99_ms(k), 1) for k in self.latencies},
            "errors": self.errors[:10],
        }


class _Client:
    def __init__(self, base: str, actors: Actors, report: LoadReport, lock: threading.Lock, seed: int):
        self.base, self.actors, self.report, self.lock = base, actors, report, lock
        self.rng = random.Random(seed)
        self.session = requests.Session()
        self.sequence = 0

    def _send(self, kind: str, method: str, path: str, *, cookie: str = "", token: str = "", json=None):
        headers = {"Cookie": cookie} if cookie else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        try:
            response = self.session.request(method, self.base + path, headers=headers, json=json, timeout=30)
            status, body = response.status_code, response
        except requests.RequestException as error:
            status, body = 0, None
            with self.lock:
                self.report.errors.append(f"{kind}: {error}")
        elapsed = time.perf_counter() - started
        with self.lock:
            self.report.statuses[kind][status] += 1
            self.report.latencies[kind].append(elapsed)
            if status >= 400 and len(self.report.errors) < 50:
                self.report.errors.append(f"{kind} {method} {path}: {status} {body.text[:200] if body else ''}")
        return status, body

    def event_batch(self) -> None:
        now = datetime.now(UTC).isoformat()
        items = []
        for _ in range(EVENTS_PER_BATCH):
            self.sequence += 1
            items.append({
                "lead": self.rng.choice(self.actors.lead_ids), "kind": self.rng.choice(["view", "click", "download"]),
                "occurred_at": now, "external_id": f"load-{self.actors.run_tag}-{id(self)}-{self.sequence}",
            })  # fmt: skip
        status, response = self._send(
            "event_batch", "POST", "/api/v1/events/", token=self.actors.integration_token, json={"items": items}
        )
        if 200 <= status < 300:
            created = response.json()["counts"]["created"]
            with self.lock:
                self.report.events_sent += len(items)
                self.report.events_stored += created

    def lead_list(self) -> None:
        query = self.rng.choice(["", "?status=mql", "?q=anna", "?page=2", "?ordering=-engagement_score"])
        self._send("lead_list", "GET", f"/leads/{query}", cookie=self.actors.marketer_cookie)

    def lead_page(self) -> None:
        lead = self.rng.choice(self.actors.lead_ids)
        self._send("lead_page", "GET", f"/leads/{lead}/", cookie=self.actors.marketer_cookie)

    def inbox(self) -> None:
        self._send("inbox", "GET", "/inbox/", cookie=self.actors.rep_cookie)

    def accept(self) -> None:
        with self.lock:
            lead = self.actors.handed_off_ids.pop() if self.actors.handed_off_ids else None
        if lead is None:
            return self.inbox()
        status, _ = self._send("accept", "POST", f"/api/v1/leads/{lead}/accept/", token=self.actors.rep_token)
        if 200 <= status < 300:
            with self.lock:
                self.actors.accepted_ids.append(lead)
        return None

    def follow_up(self) -> None:
        if not self.actors.accepted_ids:
            return self.inbox()
        lead = self.rng.choice(self.actors.accepted_ids)
        body = {"kind": "call", "occurred_at": datetime.now(UTC).isoformat(), "outcome": "connected",
                "notes": "Load test call"}  # fmt: skip
        self._send("follow_up", "POST", f"/api/v1/leads/{lead}/follow-ups/", token=self.actors.rep_token, json=body)
        return None

    def dashboard(self) -> None:
        self._send("dashboard", "GET", "/dashboard/", cookie=self.actors.manager_cookie)

    def run(self, until: float) -> None:
        kinds = list(MIX)
        weights = [MIX[k] for k in kinds]
        while time.perf_counter() < until:
            getattr(self, self.rng.choices(kinds, weights)[0])()
        self.session.close()


def run_load(base: str, actors: Actors, *, seconds: float, clients: int = 4, seed: int = 7) -> LoadReport:
    """Run the mix against `base` with `clients` concurrent clients for `seconds`."""
    report, lock = LoadReport(seconds=seconds), threading.Lock()
    until = time.perf_counter() + seconds
    workers = [_Client(base, actors, report, lock, seed + n) for n in range(clients)]
    threads = [threading.Thread(target=w.run, args=(until,)) for w in workers]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.seconds = time.perf_counter() - started
    return report


def run_baseline(base: str, *, seconds: float, clients: int = 4) -> float:
    """Requests per second of the minimal JSON view with the same clients: the yardstick."""
    count, lock = [0], threading.Lock()
    until = time.perf_counter() + seconds

    def work() -> None:
        with requests.Session() as session:
            while time.perf_counter() < until:
                session.get(base + "/bench/baseline/", timeout=30)
                with lock:
                    count[0] += 1

    threads = [threading.Thread(target=work) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count[0] / (time.perf_counter() - started)
