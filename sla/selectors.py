"""Reads of the agreement, its clocks and its compliance figures."""

from datetime import date, datetime

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Holiday, Membership, Organization
from accounts.roles import Role
from sla.clock import BusinessHours, public_holidays
from sla.models import Agreement, AgreementEvent, AgreementSignature, ComplianceSnapshot, LeadClock, Objective
from sla.objectives import short_label, traffic_light
from sla.periods import bounds, previous_period_starts


def business_hours_of(org: Organization) -> BusinessHours:
    """The organization's working time: days, hours, its own holidays and its country's."""
    this_year = timezone.now().year
    years = range(this_year - 2, this_year + 3)
    own = set(Holiday.objects.filter(org=org).values_list("date", flat=True))
    public = public_holidays(org.holiday_country, years) if org.holiday_country else frozenset()
    return BusinessHours(
        zone=org.zone,
        days=frozenset(org.business_days),
        start=org.business_day_start,
        end=org.business_day_end,
        holidays=frozenset(own | set(public)),
    )


def compliance_generation_key(org_id: int) -> str:
    """The cache key naming the organization's current compliance snapshots (and agreement): a new
    value each time they change, so what was rendered from the old ones is told apart."""
    return f"sla:{org_id}:compliance-generation"


def active_agreement(*, org_id: int) -> Agreement | None:
    return Agreement.objects.filter(org_id=org_id, status=Agreement.Status.ACTIVE).first()


def agreements_visible_to(member: Membership) -> QuerySet[Agreement]:
    return Agreement.objects.filter(org_id=member.org_id).select_related("created_by__user", "based_on")


def clock_objectives(*, org_id: int, metrics: tuple[str, ...]) -> list[Objective]:
    """The active agreement's objectives that run clocks of these kinds."""
    return list(
        Objective.objects.filter(org_id=org_id, agreement__status=Agreement.Status.ACTIVE, metric__in=metrics).order_by(
            "position"
        )
    )


def clocks_of_lead(lead) -> list[LeadClock]:
    """The lead's clocks, running ones first, for the countdowns on the lead page and the inbox."""
    clocks = LeadClock.objects.filter(org_id=lead.org_id, lead=lead).select_related("objective")
    return sorted(clocks, key=lambda c: (c.state in ("met", "breached"), c.due_at))


def running_clocks_of(*, org_id: int, lead_ids: list[int]) -> dict[int, list[LeadClock]]:
    """The running clocks of many leads at once (one query), for a page of the inbox."""
    found: dict[int, list[LeadClock]] = {}
    clocks = LeadClock.objects.filter(org_id=org_id, lead_id__in=lead_ids, next_check_at__isnull=False)
    for clock in clocks.select_related("objective").order_by("due_at"):
        found.setdefault(clock.lead_id, []).append(clock)
    return found


def compliance_figures(member: Membership, *, period_starts: list[date] | None = None) -> QuerySet[ComplianceSnapshot]:
    snapshots = ComplianceSnapshot.objects.filter(org_id=member.org_id).select_related("objective", "member__user")
    if period_starts is not None:
        snapshots = snapshots.filter(period_start__in=period_starts)
    return snapshots


def sla_figures(member: Membership, *, start: date | None = None, end: date | None = None) -> dict:
    """The active agreement and every objective's snapshots in [start, end], as plain data (API, pages)."""
    agreement = active_agreement(org_id=member.org_id)
    if agreement is None:
        return {"agreement": None, "objectives": []}
    snapshots = ComplianceSnapshot.objects.filter(org_id=member.org_id, objective__agreement=agreement)
    if start:
        snapshots = snapshots.filter(period_end__gt=start)
    if end:
        snapshots = snapshots.filter(period_start__lte=end)
    periods: dict[tuple[int, date], dict] = {}
    for s in snapshots.select_related("member__user").order_by("period_start", "scope", "member_id_key"):
        period = periods.setdefault((s.objective_id, s.period_start), {
            "period_start": s.period_start, "period_end": s.period_end, "final": s.final,
            "org": None, "team": None, "reps": [],
        })  # fmt: skip
        figure = {"numerator": s.numerator, "denominator": s.denominator, "value": s.value, "met": s.met}
        if s.scope == ComplianceSnapshot.Scope.REP:
            period["reps"].append({"member": s.member_id, "name": s.member.name if s.member else "", **figure})
        else:
            period[s.scope] = figure
    objectives = [
        {"id": o.pk, "side": o.side, "metric": o.metric, "target": float(o.target), "period": o.period,
         "statement": o.statement,
         "periods": [p for (objective_id, _), p in sorted(periods.items(), key=lambda item: item[0][1])
                     if objective_id == o.pk]}
        for o in agreement.objectives.all()
    ]  # fmt: skip
    return {
        "agreement": {"id": agreement.pk, "number": agreement.number, "name": agreement.name,
                      "activated_at": agreement.activated_at},
        "objectives": objectives,
    }  # fmt: skip


# The SLA pages.

TREND_PERIODS = 12
TERMS = ("hours", "count", "days")
RUNNING = (LeadClock.State.ON_TRACK, LeadClock.State.AT_RISK)
METRIC_LABELS = dict(Objective.Metric.choices)


def period_label(kind: str, start: date) -> str:
    if kind == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if kind == "week":
        return f"Week of {start.day} {start:%b %Y}"
    return f"{start:%b %Y}"


def _pace(kind: str, start: date, zone, now: datetime) -> float:
    """The part of a period gone by at `now`: 0.5 half-way through, 1 once it is over."""
    begin, end = bounds(kind, start, zone)
    return min(1.0, max(0.0, (now - begin) / (end - begin)))


def _clock_counts(org_id: int, current: dict[int, datetime]) -> dict[int, dict[str, int]]:
    """Per clock objective: clocks running now, of them at risk, and clocks breached this period."""
    if not current:
        return {}
    breached_lately = Q()
    for objective_id, begin in current.items():
        breached_lately |= Q(objective_id=objective_id, breached_at__gte=begin)
    rows = (
        LeadClock.objects.filter(org_id=org_id, objective_id__in=list(current))
        .filter(Q(state__in=RUNNING) | Q(Q(state=LeadClock.State.BREACHED) & breached_lately))
        .values_list("objective_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {objective_id: {"running": 0, "at_risk": 0, "breached": 0} for objective_id in current}
    for objective_id, state, n in rows:
        if state in RUNNING:
            counts[objective_id]["running"] += n
        if state in (LeadClock.State.AT_RISK, LeadClock.State.BREACHED):
            counts[objective_id][state] += n
    return counts


def sla_overview(member: Membership, *, now: datetime | None = None) -> dict | None:
    """The SLA page: the active agreement's objectives, each with its figure for the running period
    and a traffic light, its last twelve periods, its running clocks, and each person's figure.

    The figures are sla_figures' (the API's), so the page and GET /api/v1/metrics/sla/ agree.
    """
    now = now or timezone.now()
    zone = member.org.zone
    today = now.astimezone(zone).date()
    terms = {
        o["id"]: o
        for o in Objective.objects.filter(org_id=member.org_id, agreement__status=Agreement.Status.ACTIVE).values(
            "id", "period", "hours", "count", "days"
        )
    }
    if not terms:
        return None
    start = min(previous_period_starts(o["period"], today, TREND_PERIODS)[0] for o in terms.values())
    figures = sla_figures(member, start=start)
    if figures["agreement"] is None:
        return None
    objectives, current_starts = [], {}
    for raw in figures["objectives"]:
        axis = previous_period_starts(raw["period"], today, TREND_PERIODS)
        by_start = {p["period_start"]: p for p in raw["periods"]}
        trend = []
        for period_start in axis:
            period = by_start.get(period_start)
            figure = (period or {}).get("org") or {}
            trend.append({
                "period_start": period_start, "label": period_label(raw["period"], period_start),
                "value": figure.get("value"), "numerator": figure.get("numerator"),
                "denominator": figure.get("denominator"), "met": figure.get("met"),
                "final": bool(period and period["final"]),
            })  # fmt: skip
        current = trend[-1]
        is_share = raw["metric"] != Objective.Metric.MQLS_DELIVERED
        # A count piles up over the period: the running one is held to the part of the target due by now.
        pace = 1.0 if is_share else _pace(raw["period"], axis[-1], zone, now)
        runs_clocks = raw["metric"] in (Objective.Metric.RESPONSE_TIME, Objective.Metric.FIRST_TOUCH_TIME,
                                        Objective.Metric.FOLLOW_UPS)  # fmt: skip
        if runs_clocks:
            current_starts[raw["id"]] = bounds(raw["period"], axis[-1], zone)[0]
        current_period = by_start.get(axis[-1])
        objectives.append({
            **{key: raw[key] for key in ("id", "side", "metric", "target", "period", "statement")},
            "label": METRIC_LABELS.get(raw["metric"], raw["metric"]),
            "short": short_label(raw["metric"], **{k: terms.get(raw["id"], {}).get(k) for k in TERMS}),
            "is_share": is_share,
            "current": current,
            "pace_target": None if is_share or pace >= 1 else round(raw["target"] * pace, 1),
            "light": traffic_light(value=current["value"], target=raw["target"], pace=pace),
            "trend": trend,
            "reps": current_period["reps"] if current_period else [],
            "runs_clocks": runs_clocks,
        })  # fmt: skip
    counts = _clock_counts(member.org_id, current_starts)
    for objective in objectives:
        objective["clocks"] = counts.get(objective["id"])
    as_of = ComplianceSnapshot.objects.filter(
        org_id=member.org_id, objective__agreement_id=figures["agreement"]["id"]
    ).aggregate(at=Max("computed_at"))["at"]
    return {
        "agreement": figures["agreement"],
        "objectives": objectives,
        "people": _people(objectives, member),
        "as_of": as_of,
    }


def _people(objectives: list[dict], member: Membership) -> list[dict]:
    """Per side, a table of each person's figure on the side's objectives in their running period."""
    tables = []
    for side in (Objective.Side.SALES, Objective.Side.MARKETING):
        columns = [o for o in objectives if o["side"] == side and o["reps"]]
        if not columns:
            continue
        rows: dict[int, dict] = {}
        for index, objective in enumerate(columns):
            for figure in objective["reps"]:
                row = rows.setdefault(figure["member"], {
                    "member": figure["member"], "name": figure["name"], "cells": [None] * len(columns),
                    "is_me": figure["member"] == member.pk,
                })  # fmt: skip
                # Per-person figures are shares (MQLs delivered has none), held to the objective's target.
                light = traffic_light(value=figure["value"], target=objective["target"])
                row["cells"][index] = {**figure, "light": light}
        tables.append({
            "side": side, "label": Objective.Side(side).label, "columns": columns,
            "rows": sorted(rows.values(), key=lambda row: row["name"].casefold()),
        })  # fmt: skip
    return tables


BREACH_FIELDS = (
    "id", "lead_id", "objective_id", "owner_id", "started_at", "due_at", "breached_at", "state",
    "lead__first_name", "lead__last_name", "lead__email", "lead__external_id", "lead__company_name",
    "objective__metric", "objective__hours", "objective__count", "objective__days", "objective__statement",
    "owner__user__full_name", "owner__user__email",
)  # fmt: skip


def breaches_visible_to(member: Membership) -> QuerySet[LeadClock]:
    """Breached clocks, newest first. A rep sees the breaches on their own leads; everyone else, the
    organization's: the agreement is shared, and marketing handed those leads off."""
    clocks = LeadClock.objects.filter(org_id=member.org_id, state=LeadClock.State.BREACHED)
    if member.role == Role.SALES_REP:
        clocks = clocks.filter(owner=member)
    return (
        clocks.select_related("lead", "objective", "owner__user").only(*BREACH_FIELDS).order_by("-breached_at", "-id")
    )


def agreement_history(member: Membership) -> QuerySet[Agreement]:
    """Every version of the organization's agreement, newest first, with its signatures."""
    return (
        agreements_visible_to(member)
        .annotate(objective_count=Count("objectives"))
        .prefetch_related(Prefetch("signatures", queryset=AgreementSignature.objects.select_related("member__user")))
    )


def agreement_detail(member: Membership, pk: int) -> Agreement:
    """One version with what its page shows: objectives, signatures, history. Another org's is a 404."""
    return get_object_or_404(
        agreements_visible_to(member).prefetch_related(
            "objectives",
            Prefetch("signatures", queryset=AgreementSignature.objects.select_related("member__user")),
            Prefetch("events", queryset=AgreementEvent.objects.select_related("member__user")),
        ),
        pk=pk,
    )


def objectives_of(agreement: Agreement | None) -> list[dict]:
    """An agreement's objectives as plain terms (for comparing two versions)."""
    if agreement is None:
        return []
    return list(
        Objective.objects.filter(org_id=agreement.org_id, agreement=agreement)
        .order_by("position", "id")
        .values("metric", "side", "target", "period", "hours", "count", "days", "statement")
    )
