"""Same-run baselines, alternating runs, ratios of medians: the only figures that mean something here."""

import json
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field


@dataclass
class Result:
    scenario: str
    unit: str
    baseline: list[float]
    candidate: list[float]
    # "higher" when more is better (throughput), "lower" when less is (seconds).
    better: str
    goal: float | None  # None: a figure shown for context, with no goal to meet
    goal_text: str
    notes: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        """Candidate over baseline for throughput; baseline-relative cost for durations."""
        return statistics.median(self.candidate) / statistics.median(self.baseline)

    @property
    def met(self) -> bool | None:
        if self.goal is None:
            return None
        return self.ratio >= self.goal if self.better == "higher" else self.ratio <= self.goal

    def line(self) -> str:
        c = self.candidate
        return (
            f"{self.scenario:<28} median {statistics.median(c):>10.2f} {self.unit:<8} "
            f"min {min(c):>10.2f} max {max(c):>10.2f}  "
            f"baseline {statistics.median(self.baseline):>10.2f}  ratio {self.ratio:>6.3f}  "
            f"goal {self.goal_text:<8} {'' if self.met is None else 'MET' if self.met else 'MISSED'}"
        )

    def as_dict(self) -> dict:
        return asdict(self) | {"ratio": self.ratio, "met": self.met}


def alternate(baseline: Callable[[], float], candidate: Callable[[], float], rounds: int) -> tuple[list, list]:
    """Warm both up once, then A B A B ...: drift on a noisy shared machine hits both alike."""
    baseline()
    candidate()
    a, b = [], []
    for _ in range(rounds):
        a.append(baseline())
        b.append(candidate())
    return a, b


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def environment(cursor) -> dict:
    cursor.execute("SHOW server_version")
    version = cursor.fetchone()[0]
    settings = {}
    for name in ("shared_buffers", "work_mem", "max_connections", "synchronous_commit", "jit"):
        cursor.execute(f"SHOW {name}")
        settings[name] = cursor.fetchone()[0]
    import django

    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": version,
        "postgresql_settings": settings,
        "wrk": (wrk.stdout or wrk.stderr).splitlines()[0] if (wrk.stdout or wrk.stderr) else "missing",
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
    }


def report(results: list[Result], env: dict, json_path: str | None) -> int:
    print()
    print("environment:", json.dumps(env))
    for result in results:
        print(result.line())
        if result.notes:
            print(f"    {json.dumps(result.notes, default=str)}")
    if json_path:
        with open(json_path, "w") as handle:
            json.dump({"environment": env, "results": [r.as_dict() for r in results]}, handle, indent=2)
    return 0
