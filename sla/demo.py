"""The demo's Sales-Marketing Agreement, signed five months ago, with the clocks of every demo
hand-off set as they would have run, and twelve months of compliance figures."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organization
from leads.models import HandOff
from sla.models import Agreement, ClockNotice, LeadClock
from sla.services import agreements
from sla.services.clocks import ON_ACCEPT, ON_HANDOFF, start_clocks
from sla.services.compliance import compute_history

OBJECTIVES = [
    {"metric": "mqls_delivered", "target": 60, "period": "month"},
    {"metric": "mql_acceptance", "target": 70, "period": "month"},
    {"metric": "handoffs_meeting_criteria", "target": 90, "period": "month"},
    {"metric": "response_time", "target": 90, "hours": 4, "period": "month"},
    {"metric": "first_touch_time", "target": 85, "hours": 8, "period": "month"},
    {"metric": "follow_ups", "target": 60, "count": 3, "days": 10, "period": "month"},
    {"metric": "leads_worked", "target": 90, "period": "month"},
    {"metric": "close_rate", "target": 45, "period": "quarter"},
]


def seed_agreement(org: Organization, *, now: datetime | None = None) -> None:
    if Agreement.objects.filter(org=org).exists():
        return
    now = now or timezone.now()
    people = {m.user.email: m for m in Membership.objects.filter(org=org).select_related("user")}
    marketing, sales = people["mmanager@demo.test"], people["smanager@demo.test"]
    with transaction.atomic():
        agreement = agreements.create_agreement(by=sales)
        agreements.update_agreement(
            by=sales, agreement=agreement, name="Sales-Marketing Agreement 2026",
            summary="What each side promises the other, measured every month.", at_risk_share=0.75,
            objectives=OBJECTIVES,
        )  # fmt: skip
        agreements.propose_agreement(by=sales, agreement=agreement, comment="As discussed in the kick-off")
        agreements.sign_agreement(by=marketing, agreement=agreement, comment="Agreed")
        agreements.sign_agreement(by=sales, agreement=agreement, comment="Agreed for the whole team")
        Agreement.objects.filter(pk=agreement.pk).update(
            created_at=now - timedelta(days=160), proposed_at=now - timedelta(days=155),
            activated_at=now - timedelta(days=150),
        )  # fmt: skip
        _clocks(org, now)
    compute_history(org_id=org.pk, periods=12)


def _clocks(org: Organization, now: datetime) -> None:
    """Every demo hand-off's clocks, met or breached as its history says (no notices for the past)."""
    for handoff in HandOff.objects.filter(org=org).select_related("lead"):
        start_clocks(handoff=handoff, metrics=ON_HANDOFF, at=handoff.handed_off_at)
        if handoff.accepted_at:
            start_clocks(handoff=handoff, metrics=ON_ACCEPT, at=handoff.accepted_at)
    for clock in LeadClock.objects.filter(org=org).select_related("objective", "handoff", "lead"):
        lead, metric = clock.lead, clock.objective.metric
        if metric == "response_time":
            kept = clock.handoff.accepted_at or clock.handoff.rejected_at
        elif metric == "first_touch_time":
            kept = lead.first_touch_at
        else:
            kept = _kth_follow_up(clock)
        if kept is not None and kept <= clock.due_at:
            clock.state, clock.met_at, clock.next_check_at = LeadClock.State.MET, kept, None
        elif clock.due_at <= now:
            clock.state, clock.breached_at, clock.next_check_at = LeadClock.State.BREACHED, clock.due_at, None
            ClockNotice.objects.get_or_create(org=org, clock=clock, kind=ClockNotice.Kind.BREACHED)
        elif clock.at_risk_at <= now:
            clock.state, clock.next_check_at = LeadClock.State.AT_RISK, clock.due_at
            ClockNotice.objects.get_or_create(org=org, clock=clock, kind=ClockNotice.Kind.AT_RISK)
        clock.save(update_fields=["state", "met_at", "breached_at", "next_check_at"])


def _kth_follow_up(clock: LeadClock):
    from feedback.models import FollowUp

    moments = list(
        FollowUp.objects.filter(org_id=clock.org_id, lead_id=clock.lead_id, occurred_at__gte=clock.started_at)
        .order_by("occurred_at")
        .values_list("occurred_at", flat=True)[: clock.objective.count]
    )
    return moments[-1] if len(moments) >= clock.objective.count else None
