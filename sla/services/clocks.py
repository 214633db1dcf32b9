"""The clocks on each hand-off: answered in N business hours, first touch in N business hours, K
follow-ups in D days. Deadlines are stored on the clock when it starts; a beat job sweeps the clocks
due a look (no long Celery ETAs), so its cost grows with the clocks changing state, not with all.

Notices go out exactly once per (clock, kind): the sweep inserts a ClockNotice row and notifies only
when its insert won. Two sweeps at once take different clocks (SKIP LOCKED); a retried or killed one
finds the notice rows of what it already sent.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership, Notification, Organization
from accounts.roles import Role
from accounts.services import notify_many
from leads.models import HandOff, Lead
from sla.clock import BusinessHours, add_business_time
from sla.models import ClockNotice, LeadClock, Objective
from sla.selectors import business_hours_of, clock_objectives

logger = logging.getLogger(__name__)
ON_HANDOFF = ("response_time",)
ON_ACCEPT = ("first_touch_time", "follow_ups")
State = LeadClock.State


def _deadlines(objective: Objective, start: datetime, share: float, hours: BusinessHours) -> tuple[datetime, datetime]:
    """(at risk from, due) for an objective's clock started at `start`."""
    if objective.metric == "follow_ups":
        span = timedelta(days=objective.days)
        return start + span * share, start + span
    span = timedelta(hours=objective.hours)
    return add_business_time(start, span * share, hours), add_business_time(start, span, hours)


def start_clocks(*, handoff: HandOff, metrics: tuple[str, ...], at: datetime) -> int:
    """Start the active agreement's clocks of these kinds on the hand-off; returns how many."""
    objectives = clock_objectives(org_id=handoff.org_id, metrics=metrics)
    if not objectives:
        return 0
    org = Organization.objects.get(pk=handoff.org_id)
    hours = business_hours_of(org)
    share = objectives[0].agreement.at_risk_share
    clocks = []
    for objective in objectives:
        at_risk_at, due_at = _deadlines(objective, at, share, hours)
        clocks.append(
            LeadClock(
                org_id=handoff.org_id, lead_id=handoff.lead_id, handoff=handoff, objective=objective,
                owner_id=handoff.rep_id, started_at=at, at_risk_at=at_risk_at, due_at=due_at, next_check_at=at_risk_at,
            )
        )  # fmt: skip
    LeadClock.objects.bulk_create(clocks, ignore_conflicts=True)
    return len(clocks)


def stop_clocks(*, lead: Lead, metrics: tuple[str, ...], at: datetime) -> int:
    """The promise was kept in time: running clocks of these kinds on the lead are met. One kept too
    late stays for the sweep, which breaches it (and says so) within the minute."""
    return LeadClock.objects.filter(
        org_id=lead.org_id,
        lead=lead,
        objective__metric__in=metrics,
        state__in=(State.ON_TRACK, State.AT_RISK),
        due_at__gte=at,
    ).update(state=State.MET, met_at=at, next_check_at=None)


def count_follow_ups(*, lead: Lead, at: datetime) -> int:
    """After a follow-up: follow-up clocks whose K follow-ups are now logged within D days are met."""
    from feedback.models import FollowUp

    met = 0
    running = LeadClock.objects.filter(
        org_id=lead.org_id, lead=lead, objective__metric="follow_ups", state__in=(State.ON_TRACK, State.AT_RISK)
    ).select_related("objective")
    for clock in running:
        logged = FollowUp.objects.filter(
            org_id=lead.org_id, lead=lead, occurred_at__gte=clock.started_at, occurred_at__lte=clock.due_at
        ).count()
        if logged >= clock.objective.count and at <= clock.due_at:
            met += LeadClock.objects.filter(pk=clock.pk, state__in=(State.ON_TRACK, State.AT_RISK)).update(
                state=State.MET, met_at=at, next_check_at=None
            )
    return met


def sweep_clocks(*, now: datetime | None = None) -> int:
    """Move the clocks whose time has come: on track → at risk → breached. Returns how many moved."""
    chunk = settings.SLA_SWEEP_CHUNK
    moved = 0
    while True:
        with transaction.atomic():
            changed = _sweep_chunk(now or timezone.now(), chunk)
        moved += changed
        if changed < chunk:
            return moved


def _sweep_chunk(now: datetime, chunk: int) -> int:
    with connection.cursor() as cursor:
        # One statement claims the chunk (SKIP LOCKED: a concurrent sweep takes other clocks), moves
        # it (past its due time → breached; past its at-risk time → at risk, looked at again when due)
        # and writes the notice rows. Only notices whose row is new here go out: a rerun finds the rows
        # of what it already sent.
        cursor.execute(
            """
            WITH due AS (
                SELECT id FROM sla_leadclock WHERE next_check_at <= %(now)s
                ORDER BY next_check_at LIMIT %(chunk)s FOR UPDATE SKIP LOCKED
            ), moved AS (
                UPDATE sla_leadclock AS c
                SET state = CASE WHEN c.due_at <= %(now)s THEN %(breached)s ELSE %(at_risk)s END,
                    next_check_at = CASE WHEN c.due_at <= %(now)s THEN NULL ELSE c.due_at END,
                    breached_at = CASE WHEN c.due_at <= %(now)s THEN c.due_at ELSE c.breached_at END
                FROM due WHERE c.id = due.id
                RETURNING c.id, c.org_id, c.state, c.owner_id, c.lead_id, c.objective_id
            ), noted AS (
                INSERT INTO sla_clocknotice (org_id, clock_id, kind, at)
                SELECT m.org_id, m.id, k.kind, %(now)s FROM moved AS m CROSS JOIN LATERAL unnest(
                    CASE WHEN m.state = %(breached)s THEN %(on_breach)s::text[] ELSE %(on_risk)s::text[] END
                ) AS k(kind)
                ON CONFLICT DO NOTHING RETURNING clock_id, kind
            )
            SELECT m.id, m.org_id, m.state, m.owner_id, m.lead_id, m.objective_id, n.kind
            FROM moved AS m LEFT JOIN noted AS n ON n.clock_id = m.id
            """,
            {
                "now": now, "chunk": chunk, "breached": State.BREACHED, "at_risk": State.AT_RISK,
                "on_breach": [ClockNotice.Kind.BREACHED, ClockNotice.Kind.ESCALATED],
                "on_risk": [ClockNotice.Kind.AT_RISK],
            },
        )  # fmt: skip
        rows = cursor.fetchall()
    moved = {row[0]: row[:6] for row in rows}
    fresh = [(row[0], row[6]) for row in rows if row[6] is not None]
    if fresh:
        _send(moved, fresh)
    return len(moved)


def _send(moved: dict[int, tuple], fresh: list[tuple[int, str]]) -> None:
    """The notices of this chunk, in bulk: the owners, and every sales manager on a breach."""
    lead_ids = {moved[clock_id][4] for clock_id, _ in fresh}
    objective_ids = {moved[clock_id][5] for clock_id, _ in fresh}
    with connection.cursor() as cursor:
        # One array parameter, not thousands of IN placeholders: a chunk names up to 5,000 leads.
        cursor.execute(
            "SELECT id, first_name, last_name, email, external_id FROM leads_lead WHERE id = ANY(%s)",
            [sorted(lead_ids)],
        )
        leads = {
            lead_id: f"{first} {last}".strip() or email or external_id
            for lead_id, first, last, email, external_id in cursor.fetchall()
        }
    statements = dict(Objective.objects.filter(pk__in=objective_ids).values_list("id", "statement"))
    orgs = {moved[clock_id][1] for clock_id, _ in fresh}
    members = Membership.objects.filter(org_id__in=orgs, is_active=True).select_related("user")
    owners = {m.pk: m for m in members}
    managers: dict[int, list[Membership]] = {}
    for m in members:
        if m.role == Role.SALES_MANAGER:
            managers.setdefault(m.org_id, []).append(m)
    notices = []
    for clock_id, kind in fresh:
        _, org_id, _, owner_id, lead_id, objective_id = moved[clock_id]
        lead, words, link = leads[lead_id], statements[objective_id], f"/inbox/{lead_id}/"
        if kind == ClockNotice.Kind.ESCALATED:
            who = owners[owner_id].name if owner_id in owners else "no owner"
            notices += [
                {"recipient": manager, "kind": Notification.Kind.SLA_BREACHED, "lead_id": lead_id, "link": link,
                 "title": f"SLA breached on {lead} ({who})", "body": words,
                 "dedupe_key": f"clock:{clock_id}:escalated:{manager.pk}"}
                for manager in managers.get(org_id, [])
            ]  # fmt: skip
        elif owner_id in owners:
            breached = kind == ClockNotice.Kind.BREACHED
            notices.append({
                "recipient": owners[owner_id], "lead_id": lead_id, "link": link, "body": words,
                "kind": Notification.Kind.SLA_BREACHED if breached else Notification.Kind.SLA_AT_RISK,
                "title": f"{'Missed' if breached else 'At risk'}: {lead}", "dedupe_key": f"clock:{clock_id}:{kind}",
            })  # fmt: skip
    notify_many(notices)
