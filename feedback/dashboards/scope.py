"""What every figure shares: the filters, the role rule applied to them, the shape of a figure, and
the pieces of SQL that read the snapshot tables within that scope."""

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from accounts.models import Membership
from accounts.roles import Role
from leads.models import RoutingRuleRep
from smarketing.errors import NotAllowed

FUNNEL, MQL, ACCEPTANCE, TIMINGS, CLOSE_RATES, REPS, CALIBRATION, SLA = (
    "funnel", "mql", "acceptance", "handoff-timings", "close-rates", "reps", "calibration", "sla",
)  # fmt: skip
MARKETER_FIGURES = frozenset({FUNNEL, MQL, ACCEPTANCE, CLOSE_RATES, CALIBRATION, SLA})


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    campaign: int | None = None
    source: str = ""
    rep: int | None = None
    team: int | None = None


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass
class Figures:
    """Rows of one figure: its chart, its table, its CSV file and its API answer show the same rows.

    as_of: when the snapshots read were last refreshed (None: never, the figures are still coming).
    summary: what the page says in words or headline numbers, computed from the same snapshots.
    """

    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    as_of: datetime | None = None
    note: str = ""
    summary: dict = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.columns]

    def records(self) -> list[dict]:
        keys = [c.key for c in self.columns]
        return [dict(zip(keys, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Scope:
    """The filters as they apply to one member: `reps` narrows owners and receiving reps (None: all)."""

    member: Membership
    filters: Filters
    reps: tuple[int, ...] | None

    @property
    def org_id(self) -> int:
        return self.member.org_id

    @property
    def role(self) -> str:
        return self.member.role


def may_see(member: Membership, figure: str) -> bool:
    return member.role != Role.MARKETER or figure in MARKETER_FIGURES


def may_filter_by_rep(member: Membership) -> bool:
    """Managers and admins narrow figures to a rep or a team; a rep is always narrowed to themselves."""
    return member.role not in (Role.MARKETER, Role.SALES_REP)


def scope_for(member: Membership, filters: Filters) -> Scope:
    """Apply the role rule (see the package's docstring) to the filters a member asked for."""
    if member.role == Role.SALES_REP:
        return Scope(member, replace(filters, rep=member.pk, team=None), (member.pk,))
    if not may_filter_by_rep(member):
        return Scope(member, replace(filters, rep=None, team=None), None)
    reps = None if filters.rep is None else {filters.rep}
    if filters.team is not None:
        team_reps = RoutingRuleRep.objects.filter(org_id=member.org_id, rule_id=filters.team)
        team = set(team_reps.values_list("member_id", flat=True))
        reps = team if reps is None else team & reps
    return Scope(member, filters, None if reps is None else tuple(sorted(reps)))


def require(scope: Scope, figure: str) -> None:
    if not may_see(scope.member, figure):
        raise NotAllowed("This figure is for sales and its managers.")


def snapshot_where(scope: Scope, *, owner_column: str, alias: str = "", start=None, end=None) -> tuple[str, dict]:
    """The WHERE clause of a snapshot query (columns of the table aliased `alias`) and its parameters."""
    a = f"{alias}." if alias else ""
    filters = scope.filters
    clauses = [f"{a}org_id = %(org)s", f"{a}day BETWEEN %(start)s AND %(end)s"]
    params = {"org": scope.org_id, "start": start or filters.start, "end": end or filters.end}
    if filters.campaign is not None:
        clauses.append(f"{a}campaign_key = %(campaign)s")
        params["campaign"] = filters.campaign
    if filters.source:
        clauses.append(f"{a}source = %(source)s")
        params["source"] = filters.source
    if scope.reps is not None:
        clauses.append(f"{a}{owner_column} = ANY(%(reps)s)")
        params["reps"] = list(scope.reps)
    return " AND ".join(clauses), params


def _freshness(table: str) -> str:
    """When `table` was last refreshed for the organization. Every refresh, incremental or full,
    rewrites the rows of the last two days that have any, so the newest of those tells."""
    return (  # a fixed table name; the organization is bound
        f"(SELECT max(refreshed_at) FROM {table} WHERE org_id = %(org)s "  # noqa: S608
        f"AND day >= (SELECT max(day) FROM {table} WHERE org_id = %(org)s) - 2)"
    )


FUNNEL_AS_OF = _freshness("feedback_funnelday")
FACTS_AS_OF = _freshness("feedback_handofffact")


def rows_of(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def freshness(as_of_sql: str, params: dict) -> datetime | None:
    return rows_of(f"SELECT {as_of_sql}", params)[0][0]


def rounded(value) -> float | None:
    """One decimal, halves up as people round (5.55 h is 5.6 h, not the 5.5 binary floats give)."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def rate(part, whole) -> float | None:
    return rounded(Decimal(100 * part) / Decimal(whole)) if whole else None


def hours(seconds) -> float | None:
    return None if seconds is None else rounded(Decimal(str(seconds)) / 3600)


def oldest(*moments: datetime | None) -> datetime | None:
    """The oldest of the snapshots' times; None when any of them was never refreshed."""
    return None if any(m is None for m in moments) else min(moments)
