"""Figures computed once per snapshot refresh.

A figure only changes when its snapshots do, so the first view after a refresh computes it and every
later view with the same filters and the same role rule reads the stored result: a manager's
dashboard costs a few cache reads instead of percentiles over a quarter's hand-offs. Each refresh
gives the organization a new generation, which every key carries: nothing is ever stale for longer
than the snapshots themselves, and nothing has to be deleted.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import astuple
from uuid import uuid4

from django.core.cache import cache

from feedback.dashboards.scope import Figures, Scope
from sla.selectors import compliance_generation_key

# A day is plenty: an organization's snapshots are refreshed every few minutes.
KEEP_SECONDS = 24 * 3600


def _generation_key(org_id: int) -> str:
    return f"dashboards:{org_id}:generation"


def _generation(org_id: int) -> str:
    key = _generation_key(org_id)
    return cache.get(key) or _started(key)


def _started(key: str) -> str | None:
    # add(): when two views start a generation at once, both then use the one stored first.
    cache.add(key, uuid4().hex, KEEP_SECONDS)
    return cache.get(key)


def new_generation(*, org_id: int) -> None:
    """The organization's snapshots changed: figures computed before no longer count."""
    cache.set(_generation_key(org_id), uuid4().hex, KEEP_SECONDS)


def _asked(scope: Scope, what: Iterable[str]) -> str:
    """Everything that decides a stored result, hashed: the role (which figures, which objectives),
    the reps narrowed to and the filters. Filters carry what people typed, and a cache key must stay
    short and plain."""
    filters = "|".join("" if value is None else str(value) for value in astuple(scope.filters))
    reps = ",".join(map(str, scope.reps)) if scope.reps is not None else "all"
    return hashlib.sha256(f"{'+'.join(what)}:{scope.role}:{reps}:{filters}".encode()).hexdigest()


def cached_figures(scope: Scope, names: list[str], compute: Callable[[str], Figures]) -> dict[str, Figures]:
    """These figures for this scope, computed at most once per generation and kept together (one
    read for a whole page). The key holds everything that decides the rows: the role (which
    objectives, which narrowing), the reps and the filters."""
    generation = _generation(scope.org_id)
    key = f"dashboards:{scope.org_id}:{generation}:{_asked(scope, names)}"
    found = cache.get(key) if generation is not None else None
    if found is None:
        found = {name: compute(name) for name in names}
        if generation is not None:
            cache.set(key, found, KEEP_SECONDS)
    return found


def cached_html(scope: Scope, what: list[str], render: Callable[[], dict[str, str]]) -> dict[str, str]:
    """Rendered pieces of a page for this scope, rendered at most once per generation.

    `what` names the pieces and everything else that decides them beyond the scope (the problems
    shown, the time zone the times are written in). What `render` returns must hold nothing of one
    response (a CSP nonce, a CSRF token): it is sent again to everyone of the same role and filters.
    The pieces count for the snapshots' generation and the SLA compliance generation (the SLA card
    is among them), both stored with the pieces: one read fetches all three, and a piece made
    before the last refresh of either is told apart. Both are read before rendering, so a refresh
    that lands meanwhile leaves a piece marked old rather than fresh.
    """
    key = f"dashboards:{scope.org_id}:html:{_asked(scope, what)}"
    generation_keys = (_generation_key(scope.org_id), compliance_generation_key(scope.org_id))
    found = cache.get_many([*generation_keys, key])
    generations = tuple(found.get(name) or _started(name) for name in generation_keys)
    stored = found.get(key)
    if stored is not None and None not in generations and stored[0] == generations:
        return stored[1]
    pieces = render()
    if None not in generations:
        cache.set(key, (generations, pieces), KEEP_SECONDS)
    return pieces
