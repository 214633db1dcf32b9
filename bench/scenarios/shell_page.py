"""A signed-in page of the shell (home: navigation, user menu, org) vs a minimal JSON view."""

from bench.data import bench_org, session_cookie
from bench.harness import Result, alternate
from bench.http import gunicorn, wrk


def run(*, scale: str, env: dict) -> list[Result]:
    member = bench_org()
    cookie = session_cookie(member)
    seconds = 5 if scale == "small" else 10
    runs: dict[str, list[dict]] = {"baseline": [], "page": []}
    with gunicorn(env) as base:

        def baseline() -> float:
            runs["baseline"].append(wrk(f"{base}/bench/baseline/", seconds=seconds))
            return runs["baseline"][-1]["rps"]

        def page() -> float:
            runs["page"].append(wrk(f"{base}/", seconds=seconds, cookie=cookie))
            return runs["page"][-1]["rps"]

        a, b = alternate(baseline, page, rounds=3)
    measured = runs["page"][1:]
    assert all(r["non_2xx"] == 0 for r in measured), "the page answered errors"
    notes = {
        "page_p50_ms": max(r["p50_ms"] for r in measured),
        "page_p99_ms": max(r["p99_ms"] for r in measured),
        "baseline_p99_ms": max(r["p99_ms"] for r in runs["baseline"][1:]),
    }
    # The floor under every page (session, user, membership, base template); a 50-row list page
    # measured 0.055-0.065x here, so the shell must leave it room.
    return [Result("shell_page", "req/s", a, b, "higher", 0.10, ">=0.10x", notes)]
