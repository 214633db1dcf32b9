"""Six months of hand-offs for "Acme Demo": routing, answers with reasons, follow-ups, objections,
pain points heard, quality verdicts, wins and losses, so every sales and feedback page has history.

History cannot go through the services (they stamp the present), so rows are written here with the
times they would have had; each step is a legal transition, recorded like the services record it.
"""

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organization
from feedback.models import FollowUp, LossReason, Objection, ObjectionReason, Outcome, PainPointHeard, QualityFeedback
from feedback.services import ensure_default_lists
from leads.models import (
    ContentAsset,
    EngagementEvent,
    HandOff,
    Lead,
    LeadEvaluation,
    LeadStatusChange,
    RoutingRule,
    RoutingRuleRep,
)
from sla.clock import add_business_time, business_time_between
from sla.selectors import business_hours_of

S = Lead.Status
REJECT_REASONS = ["not_a_fit", "not_a_fit", "not_ready", "not_ready", "bad_data", "duplicate", "other"]
REJECT_NOTES = {"not_a_fit": "Company too small for us", "not_ready": "Budget only next year",
                "bad_data": "Phone number and e-mail bounce", "duplicate": "Already in talks via a partner",
                "other": "Student project"}  # fmt: skip
HEARD = ["integration with ERP", "reporting for the board", "migration effort", "data privacy", "onboarding time",
         "license costs", "works council approval"]  # fmt: skip
COMPETITORS = ["Salesforce", "HubSpot", "Pipedrive", "Zoho", ""]
TACTICS = ["ROI workshop", "Reference call", "Free pilot", "Executive sponsor meeting"]


def seed_handoffs(org: Organization, *, now: datetime | None = None) -> None:
    if HandOff.objects.filter(org=org).exists():
        return
    now = now or timezone.now()
    rng = random.Random(20260915)
    ensure_default_lists(org=org)
    people = {m.user.email: m for m in Membership.objects.filter(org=org).select_related("user")}
    marketer, reps = people["marketer@demo.test"], [people["rep1@demo.test"], people["rep2@demo.test"]]
    _routing(org, reps, people["smanager@demo.test"])
    objections = list(ObjectionReason.objects.filter(org=org))
    losses = list(LossReason.objects.filter(org=org))
    assets = list(ContentAsset.objects.filter(org=org))
    # The newest MQLs stay in the qualified queue, waiting for marketing to hand them off.
    qualified = list(Lead.objects.filter(org=org, qualified_at__lt=now - timedelta(days=4)).order_by("qualified_at"))
    rng.shuffle(qualified)
    waiting = {lead.pk for lead in qualified if lead.status == S.MQL}
    waiting = set(sorted(waiting)[:60])
    chosen = [lead for lead in qualified if lead.pk not in waiting][:330]
    assets_before: dict[int, list[int]] = {}
    touched = EngagementEvent.objects.filter(org=org, lead__in=chosen, asset__isnull=False)
    for lead_id, asset_id in touched.values_list("lead_id", "asset_id").distinct():
        assets_before.setdefault(lead_id, []).append(asset_id)
    hours = business_hours_of(org)

    def seconds(start: datetime, end: datetime) -> int:
        return int(business_time_between(start, end, hours).total_seconds())

    def at_work(start: datetime, business_hours: float) -> datetime:
        # People hand off, answer and call in working hours: demo moments fall inside them.
        return add_business_time(start, timedelta(hours=business_hours), hours)

    with transaction.atomic():
        for lead in chosen:
            _history(lead, rng, now, marketer, reps, objections, losses, assets, assets_before, seconds, at_work)


def _routing(org: Organization, reps: list[Membership], manager: Membership) -> None:
    dach = RoutingRule.objects.create(org=org, name="DACH", position=1, countries=["DE", "AT", "CH"])
    rest = RoutingRule.objects.create(org=org, name="UK, Benelux and Nordics", position=2,
                                      countries=["GB", "NL", "SE", "DK"])  # fmt: skip
    RoutingRuleRep.objects.create(org=org, rule=dach, member=reps[0])
    RoutingRuleRep.objects.create(org=org, rule=dach, member=reps[1])
    RoutingRuleRep.objects.create(org=org, rule=rest, member=reps[1])
    Membership.objects.filter(pk=reps[0].pk).update(max_open_leads=60)
    Membership.objects.filter(pk=reps[1].pk).update(max_open_leads=60)


def _step(lead: Lead, to: str, at: datetime, by: Membership | None, note: str = "") -> None:
    LeadStatusChange.objects.create(org_id=lead.org_id, lead=lead, by=by, from_status=lead.status, to_status=to,
                                    note=note, at=at)  # fmt: skip
    lead.status = to


def _history(lead: Lead, rng, now, marketer, reps, objections, losses, assets, assets_before, seconds, at_work) -> None:
    start = max(lead.qualified_at, now - timedelta(days=178))
    handed = at_work(start, rng.uniform(0.5, 16))
    if handed > now - timedelta(hours=2):
        return
    rep = reps[0] if lead.country in ("DE", "AT", "CH") and rng.random() < 0.6 else reps[1]
    evaluation = (
        LeadEvaluation.objects.filter(lead=lead).select_related("version").prefetch_related("version__rules").first()
    )
    if lead.status != S.MQL:
        _step(lead, S.MQL, start, marketer, "Qualified by hand: demo history")
    _step(lead, S.HANDED_OFF, handed, marketer, "Please call this week")
    brief = {
        "note": "Please call this week", "marketer": marketer.name, "qualified_by_hand": evaluation is None,
        "criteria_version": evaluation.version.number if evaluation else None,
        "criteria_version_id": evaluation.version_id if evaluation else None,
        "criteria_name": evaluation.version.name if evaluation else "",
        "criteria_met": evaluation.outcomes if evaluation else [], "fit_score": lead.fit_score,
        "engagement_score": lead.engagement_score, "engagement": [], "pain_points": list(lead.pain_points),
        "current_supplier": lead.current_supplier,
        "lead": {"name": lead.name, "email": lead.email, "company": lead.company_name, "country": lead.country},
    }  # fmt: skip
    territory = "DACH" if lead.country in ("DE", "AT", "CH") else "UK, Benelux and Nordics"
    handoff = HandOff(org_id=lead.org_id, lead=lead, rep=rep, by=marketer, note=brief["note"], brief=brief,
                      routing=f"territory {territory}, round-robin", handed_off_at=handed,
                      assets_before=assets_before.get(lead.pk, []))  # fmt: skip
    fields = {"handed_off_at": handed, "owner": rep}
    # Most answers come within a few working hours; some take a day or more (the SLA's breaches).
    answered = at_work(handed, rng.choice([0.3, 0.5, 1, 1, 2, 2, 3, 3.5, 6, 12]))
    if answered > now or rng.random() < 0.05:
        handoff.save()
        Lead.objects.filter(pk=lead.pk).update(status=S.HANDED_OFF, **fields)
        return
    if rng.random() < 0.26:
        reason = rng.choice(REJECT_REASONS)
        _step(lead, S.RECYCLED, answered, rep, f"{HandOff.RejectReason(reason).label}. {REJECT_NOTES[reason]}")
        handoff.rejected_at, handoff.reject_reason, handoff.reject_note = answered, reason, REJECT_NOTES[reason]
        handoff.response_seconds = seconds(handed, answered)
        handoff.save()
        Lead.objects.filter(pk=lead.pk).update(
            status=S.RECYCLED, rejected_at=answered, handed_off_at=handed, owner=None
        )
        _verdict(handoff, rep, rng, answered, accepted=False)
        return
    _step(lead, S.ACCEPTED, answered, rep)
    handoff.accepted_at, handoff.response_seconds = answered, seconds(handed, answered)
    handoff.save()
    fields |= {"accepted_at": answered}
    _verdict(handoff, rep, rng, answered, accepted=True)
    touch = at_work(answered, rng.choice([0.2, 1, 2, 4, 6, 12]))
    if touch > now:
        Lead.objects.filter(pk=lead.pk).update(status=S.ACCEPTED, **fields)
        return
    moments = [at_work(touch, rng.uniform(2, 24) * n) for n in range(rng.choice([1, 1, 2, 2, 3, 4, 5]))]
    moments = [m for m in moments if m < now]
    for n, at in enumerate(moments):
        follow_up = FollowUp.objects.create(
            org_id=lead.org_id, lead=lead, rep=rep, kind=rng.choice(["call", "call", "email", "meeting"]),
            outcome=rng.choice(["no_answer", "connected", "connected", "meeting_booked", "not_ready"]),
            occurred_at=at, notes="Demo follow-up", logged_at=at,
        )  # fmt: skip
        if n == 0:
            _step(lead, S.WORKING, at, rep, f"First touch: {follow_up.get_kind_display().lower()}")
        if rng.random() < 0.4:
            Objection.objects.create(org_id=lead.org_id, follow_up=follow_up, lead=lead, at=at,
                                     reason=rng.choice(objections), text="Raised on the call")  # fmt: skip
        if rng.random() < 0.2:
            PainPointHeard.objects.create(org_id=lead.org_id, lead=lead, follow_up=follow_up, at=at,
                                          text=rng.choice(HEARD))  # fmt: skip
    if moments:
        fields |= {"first_touch_at": moments[0]}
        HandOff.objects.filter(pk=handoff.pk).update(first_touch_seconds=seconds(answered, moments[0]))
    status = S.WORKING if moments else S.ACCEPTED
    last = moments[-1] if moments else answered
    roll = rng.random()
    if moments and roll < 0.32:
        opened = last + timedelta(days=rng.uniform(1, 10))
        if opened < now:
            value = rng.choice([8000, 12000, 25000, 40000, 60000, 90000])
            _step(lead, S.OPPORTUNITY, opened, rep, "Opportunity")
            outcome = Outcome.objects.create(org_id=lead.org_id, lead=lead, opportunity_value=value, updated_at=opened)
            status, fields = S.OPPORTUNITY, fields | {"opportunity_at": opened}
            closed = opened + timedelta(days=rng.uniform(5, 40))
            if closed < now and rng.random() < 0.8:
                if rng.random() < 0.55:
                    _step(lead, S.WON, closed, rep, rng.choice(TACTICS))
                    outcome.won_value, outcome.helped_tactic = value, rng.choice(TACTICS)
                    outcome.helped_asset = rng.choice(assets) if rng.random() < 0.6 else None
                    status = S.WON
                else:
                    reason = rng.choice(losses)
                    _step(lead, S.LOST, closed, rep, f"Lost: {reason.name}")
                    outcome.loss_reason, outcome.competitor = reason, rng.choice(COMPETITORS)
                    status = S.LOST
                outcome.updated_at = closed
                outcome.save()
                fields |= {"closed_at": closed}
    elif moments and roll < 0.45:
        closed = last + timedelta(days=rng.uniform(1, 15))
        if closed < now:
            reason = rng.choice(losses)
            _step(lead, S.LOST, closed, rep, f"Lost: {reason.name}")
            Outcome.objects.create(org_id=lead.org_id, lead=lead, loss_reason=reason,
                                   competitor=rng.choice(COMPETITORS), updated_at=closed)  # fmt: skip
            status, fields = S.LOST, fields | {"closed_at": closed}
    Lead.objects.filter(pk=lead.pk).update(status=status, **fields)


def _verdict(handoff: HandOff, rep: Membership, rng, at: datetime, *, accepted: bool) -> None:
    if rng.random() > 0.7:
        return
    rules = [o["rule"] for o in handoff.brief.get("criteria_met", [])]
    wrong = [r for r in rules if rng.random() < (0.08 if accepted else 0.35)]
    QualityFeedback.objects.create(
        org_id=handoff.org_id, lead_id=handoff.lead_id, handoff=handoff, member=rep,
        fit=rng.choice([3, 4, 4, 5] if accepted else [1, 2, 2, 3]), ready_to_talk=accepted and rng.random() < 0.8,
        brief_useful=rng.random() < 0.85, wrong_criteria=wrong, at=at,
    )  # fmt: skip
