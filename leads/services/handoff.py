"""Handing a qualified lead to sales, and sales' first answer: accept, or reject with a reason.

Routing picks the rep: the first territory the lead matches (country, industry, company size), then
round-robin among its reps, skipping reps who are away or at capacity. The territory's row is
locked while it picks, so concurrent hand-offs take turns and never overfill a rep. The brief is
frozen at hand-off: later changes to the lead do not change what the rep was told.
"""

from django.db import transaction
from django.db.models import Count, Q

from accounts.models import AuditEvent, Membership, Notification, Organization
from accounts.roles import Capability, Role, Side
from accounts.services import notify, record_audit_event, require
from leads.models import EngagementEvent, HandOff, Lead, LeadEvaluation, RoutingRule, RoutingRuleRep
from leads.services.lifecycle import change_lead_status
from smarketing.errors import Conflict, DomainError, NotAllowed

S = Lead.Status
OPEN_WITH_SALES = (S.HANDED_OFF, S.ACCEPTED, S.WORKING, S.OPPORTUNITY)
BRIEF_TOUCHES = 25


def _matches(rule: RoutingRule, lead: Lead) -> bool:
    employees = lead.employees
    if rule.countries and lead.country not in rule.countries:
        return False
    if rule.industries and lead.industry.lower() not in {i.lower() for i in rule.industries}:
        return False
    if rule.min_employees is not None and (employees is None or employees < rule.min_employees):
        return False
    return not (rule.max_employees is not None and (employees is None or employees > rule.max_employees))


def _sales_reps(org_id: int):
    return Membership.objects.filter(org_id=org_id, role=Role.SALES_REP, is_active=True, user__is_active=True)


def choose_rep(*, lead: Lead) -> tuple[Membership, str]:
    """The rep for this lead and the reason in words. Call inside a transaction: it takes a lock."""
    rules = list(RoutingRule.objects.filter(org_id=lead.org_id, is_active=True).order_by("position", "id"))
    rule = next((r for r in rules if _matches(r, lead)), None)
    if rule is not None:
        rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
        members = _sales_reps(lead.org_id).filter(
            pk__in=RoutingRuleRep.objects.filter(org_id=lead.org_id, rule=rule).values("member_id")
        )
        where, last = f"territory {rule.name}", rule.last_assigned_id
    else:
        org = Organization.objects.select_for_update().get(pk=lead.org_id)
        members, where, last = _sales_reps(lead.org_id), "no territory matched", org.round_robin_last_id
    candidates = list(
        members.select_related("user")
        .annotate(open_leads=Count("owned_leads", filter=Q(owned_leads__status__in=OPEN_WITH_SALES)))
        .order_by("id")
    )
    if not candidates:
        raise DomainError(f"No sales rep is set up for this lead ({where}). Ask an admin to check the routing rules.")
    # Round-robin: start after the rep who got the last lead here.
    start = next((n + 1 for n, m in enumerate(candidates) if m.pk == last), 0)
    ordered = candidates[start:] + candidates[:start]
    skipped = []
    for member in ordered:
        if member.is_away:
            skipped.append(f"{member.name} away")
        elif member.max_open_leads is not None and member.open_leads >= member.max_open_leads:
            skipped.append(f"{member.name} at capacity")
        else:
            if rule is not None:
                RoutingRule.objects.filter(pk=rule.pk).update(last_assigned=member)
            else:
                Organization.objects.filter(pk=lead.org_id).update(round_robin_last=member)
            return member, ", ".join([where, "round-robin", *skipped])
    raise Conflict(f"Every rep for this lead is away or at capacity ({where}: {', '.join(skipped)}).",
                   code="no_rep_available")  # fmt: skip


def _brief(lead: Lead, note: str, by: Membership) -> dict:
    """What the rep needs for the first call, as it is now."""
    evaluation = (
        LeadEvaluation.objects.filter(lead=lead).select_related("version").prefetch_related("version__rules").first()
    )
    touches = (
        EngagementEvent.objects.filter(org_id=lead.org_id, lead=lead)
        .select_related("asset")
        .order_by("-occurred_at")[:BRIEF_TOUCHES]
    )
    return {
        "note": note,
        "marketer": by.name,
        "criteria_version": evaluation.version.number if evaluation else None,
        "criteria_version_id": evaluation.version_id if evaluation else None,
        "criteria_name": evaluation.version.name if evaluation else "",
        "criteria_met": list(evaluation.outcomes) if evaluation else [],
        "qualified_by_hand": lead.qualified_by_id is not None,
        "fit_score": lead.fit_score,
        "engagement_score": lead.engagement_score,
        "engagement": [_touch(t) for t in touches],
        "pain_points": list(lead.pain_points),
        "current_supplier": lead.current_supplier,
        "lead": _facts(lead),
    }


def _facts(lead: Lead) -> dict:
    return {
        "name": lead.name, "email": lead.email, "phone": lead.phone, "job_title": lead.job_title,
        "company": lead.company_name, "industry": lead.industry, "employees": lead.employees,
        "country": lead.country, "buying_authority": lead.get_buying_authority_display(),
        "budget": str(lead.budget) if lead.budget is not None else "", "timeline": lead.get_timeline_display(),
        "source": lead.source, "campaign": lead.campaign.name if lead.campaign_id else "",
    }  # fmt: skip


def _touch(event: EngagementEvent) -> dict:
    asset = event.asset
    return {"kind": event.kind, "label": event.get_kind_display(), "at": event.occurred_at.isoformat(),
            "asset": asset.title if asset else "", "asset_kind": asset.kind if asset else ""}  # fmt: skip


def business_seconds(org_id: int, start, end) -> int:
    """Business time between two moments in the organization's hours, in whole seconds."""
    from sla.clock import business_time_between
    from sla.selectors import business_hours_of

    hours = business_hours_of(Organization.objects.get(pk=org_id))
    return int(business_time_between(start, end, hours).total_seconds())


def _check_rep(rep: Membership, org_id: int) -> None:
    if rep.org_id != org_id or not rep.is_active or rep.side != Side.SALES or rep.role == Role.ADMIN:
        raise DomainError("Hand leads to an active sales rep or sales manager of your organization.",
                          fields={"rep": ["Not a sales member of your organization."]})  # fmt: skip


@transaction.atomic
def hand_off_lead(
    *, lead: Lead, by: Membership, rep: Membership | None = None, note: str = "", request=None
) -> HandOff:
    """Hand the qualified lead to the named rep, or to the one routing picks."""
    require(by, Capability.WORK_MARKETING_LEADS)
    lead = Lead.objects.select_related("campaign").get(pk=lead.pk, org_id=by.org_id)
    if lead.status not in (S.MQL, S.RECYCLED):
        raise Conflict(f"Only a qualified lead can be handed off; this one is {lead.get_status_display().lower()}.",
                       code="illegal_transition")  # fmt: skip
    if rep is not None:
        _check_rep(rep, by.org_id)
        routing = f"named by {by.name}" + (" (away)" if rep.is_away else "")
    else:
        rep, routing = choose_rep(lead=lead)
    brief = _brief(lead, note.strip(), by)
    # The conditional UPDATE in change_lead_status makes a double-clicked hand-off happen once.
    lead = change_lead_status(lead=lead, to=S.HANDED_OFF, by=by, note=note.strip(), owner=rep, accepted_at=None)
    touched = EngagementEvent.objects.filter(org_id=lead.org_id, lead=lead, asset__isnull=False)
    handoff = HandOff.objects.create(
        org_id=lead.org_id, lead=lead, rep=rep, by=by, note=note.strip(), routing=routing[:500], brief=brief,
        handed_off_at=lead.handed_off_at, assets_before=sorted(set(touched.values_list("asset_id", flat=True))),
    )  # fmt: skip
    from sla.services.clocks import ON_HANDOFF, start_clocks

    start_clocks(handoff=handoff, metrics=ON_HANDOFF, at=handoff.handed_off_at)
    record_audit_event(kind=AuditEvent.Kind.LEAD_HANDED_OFF, request=request, org=by.org, actor=by.user,
                       target=f"lead {lead.pk}", details={"rep": rep.email, "routing": routing})  # fmt: skip
    notify(
        recipient=rep, kind=Notification.Kind.LEAD_ASSIGNED, lead=lead, dedupe_key=f"assigned:{handoff.pk}",
        title=f"New lead for you: {lead}", body=f"From {by.name}. {note.strip()}".strip(),
        link=f"/inbox/{lead.pk}/",
    )  # fmt: skip
    return handoff


def _current_handoff(lead: Lead) -> HandOff:
    handoff = HandOff.objects.filter(org_id=lead.org_id, lead=lead).order_by("-handed_off_at", "-id").first()
    if handoff is None:
        raise Conflict("This lead was never handed off.", code="illegal_transition")
    return handoff


def _may_answer(lead: Lead, member: Membership) -> None:
    if lead.owner_id != member.pk and not (member.role == Role.SALES_MANAGER or member.role == Role.ADMIN):
        # A rejection clears the owner and a manager's acceptance takes it: the rep the lead was
        # handed to, clicking a moment later, lost a race and is told so, not refused.
        if lead.status != S.HANDED_OFF and _current_handoff(lead).rep_id == member.pk:
            raise Conflict(
                f"Someone else answered this hand-off first: the lead is now {lead.get_status_display().lower()}.",
                code="lead_changed",
            )
        raise NotAllowed("Only the rep the lead was handed to, or a sales manager, can answer this hand-off.")
    if not member.can(Capability.WORK_SALES_LEADS):
        raise NotAllowed("Only sales answers hand-offs.")


def _fresh(lead: Lead, by: Membership) -> Lead:
    """The lead as stored now: who owns it decides who may act on it."""
    return Lead.objects.get(pk=lead.pk, org_id=by.org_id)


@transaction.atomic
def accept_lead(*, lead: Lead, by: Membership, request=None) -> Lead:
    lead = _fresh(lead, by)
    _may_answer(lead, by)
    handoff = _current_handoff(lead)
    lead = change_lead_status(lead=lead, to=S.ACCEPTED, by=by)
    HandOff.objects.filter(pk=handoff.pk).update(
        accepted_at=lead.accepted_at,
        response_seconds=business_seconds(lead.org_id, handoff.handed_off_at, lead.accepted_at),
    )
    from sla.services.clocks import ON_ACCEPT, ON_HANDOFF, start_clocks, stop_clocks

    stop_clocks(lead=lead, metrics=ON_HANDOFF, at=lead.accepted_at)
    start_clocks(handoff=handoff, metrics=ON_ACCEPT, at=lead.accepted_at)
    record_audit_event(kind=AuditEvent.Kind.LEAD_ACCEPTED, request=request, org=by.org, actor=by.user,
                       target=f"lead {lead.pk}")  # fmt: skip
    notify(
        recipient=handoff.by, kind=Notification.Kind.LEAD_ACCEPTED, lead=lead, dedupe_key=f"accepted:{handoff.pk}",
        title=f"{by.name} accepted {lead}", link=f"/leads/{lead.pk}/",
    )  # fmt: skip
    return lead


@transaction.atomic
def reject_lead(*, lead: Lead, by: Membership, reason: str, note: str = "", request=None) -> Lead:
    """Sales returns the lead to marketing ("Returned by sales") with the reason."""
    lead = _fresh(lead, by)
    _may_answer(lead, by)
    if reason not in HandOff.RejectReason.values:
        raise DomainError("Say why the lead is rejected.", code="invalid",
                          fields={"reason": [f"One of: {', '.join(HandOff.RejectReason.values)}."]})  # fmt: skip
    handoff = _current_handoff(lead)
    label = HandOff.RejectReason(reason).label
    lead = change_lead_status(lead=lead, to=S.RECYCLED, by=by, note=f"{label}. {note.strip()}".strip(), owner=None)
    HandOff.objects.filter(pk=handoff.pk).update(
        rejected_at=lead.rejected_at, reject_reason=reason, reject_note=note.strip(),
        response_seconds=business_seconds(lead.org_id, handoff.handed_off_at, lead.rejected_at),
    )  # fmt: skip
    from sla.services.clocks import ON_HANDOFF, stop_clocks

    # A rejection is an answer too: the response clock is met; nothing else starts.
    stop_clocks(lead=lead, metrics=ON_HANDOFF, at=lead.rejected_at)
    record_audit_event(kind=AuditEvent.Kind.LEAD_REJECTED, request=request, org=by.org, actor=by.user,
                       target=f"lead {lead.pk}", details={"reason": reason})  # fmt: skip
    notify(
        recipient=handoff.by, kind=Notification.Kind.LEAD_REJECTED, lead=lead, dedupe_key=f"rejected:{handoff.pk}",
        title=f"{by.name} returned {lead}: {label.lower()}", body=note.strip(), link=f"/leads/{lead.pk}/",
    )  # fmt: skip
    return lead


@transaction.atomic
def renurture_lead(*, lead: Lead, by: Membership, note: str = "") -> Lead:
    """Marketing takes a returned lead back into nurturing."""
    require(by, Capability.WORK_MARKETING_LEADS)
    return change_lead_status(lead=lead, to=S.NURTURING, by=by, note=note.strip() or "Back to nurturing")


@transaction.atomic
def save_routing_rule(*, by: Membership, rule: RoutingRule | None, rep_ids: list[int], **values) -> RoutingRule:
    """Create or change a territory; its reps must be active sales members of the organization."""
    if not (by.can(Capability.MANAGE_ORGANIZATION) or by.role in (Role.SALES_MANAGER, Role.MARKETING_MANAGER)):
        raise NotAllowed("Admins and managers edit routing rules.")
    # Routing hands leads to reps only (choose_rep picks among reps): a manager named here would never get one.
    reps = list(Membership.objects.filter(org_id=by.org_id, pk__in=rep_ids, role=Role.SALES_REP, is_active=True))
    if len(reps) != len(set(rep_ids)):
        raise DomainError(
            "Pick sales reps of your organization: leads are routed to reps.", fields={"reps": ["Not a sales rep."]}
        )
    low, high = values.get("min_employees"), values.get("max_employees")
    if low is not None and high is not None and low > high:
        raise DomainError("The company size range runs from low to high.", fields={"max_employees": ["Below min."]})
    rule = rule or RoutingRule(org_id=by.org_id)
    for name in ("name", "position", "countries", "industries", "min_employees", "max_employees", "is_active"):
        if name in values:
            setattr(rule, name, values[name])
    rule.save()
    RoutingRuleRep.objects.filter(org_id=by.org_id, rule=rule).exclude(member__in=reps).delete()
    for member in reps:
        RoutingRuleRep.objects.get_or_create(org_id=by.org_id, rule=rule, member=member)
    return rule


@transaction.atomic
def delete_routing_rule(*, by: Membership, rule: RoutingRule) -> None:
    if not (by.can(Capability.MANAGE_ORGANIZATION) or by.role in (Role.SALES_MANAGER, Role.MARKETING_MANAGER)):
        raise NotAllowed("Admins and managers edit routing rules.")
    RoutingRule.objects.filter(pk=rule.pk, org_id=by.org_id).delete()


def mark_handed_off_leads_reengaged(*, org_id: int, lead_ids: list[int], since) -> int:
    """Moment of interest: tell each rep which of their leads engaged again, and with what."""
    from accounts.services.notifications import notify_reengagement

    leads = Lead.objects.filter(org_id=org_id, pk__in=lead_ids, status__in=OPEN_WITH_SALES, owner__isnull=False)
    told = 0
    for lead in leads.select_related("owner__user"):
        touches = list(
            EngagementEvent.objects.filter(org_id=org_id, lead=lead, received_at__gte=since)
            .select_related("asset")
            .order_by("-occurred_at")[:5]
        )
        if not touches:
            continue
        what = "; ".join(f"{t.get_kind_display()} {t.asset.title if t.asset else ''}".strip() for t in touches)
        notify_reengagement(
            recipient=lead.owner, lead=lead, title=f"{lead} engaged again", body=what, link=f"/inbox/{lead.pk}/"
        )
        told += 1
    return told
