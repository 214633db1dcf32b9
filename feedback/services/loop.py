"""Sales' side of the loop: follow-ups with their objections and pain points, verdicts on lead
quality, and how the lead turned out. Status changes go through leads.services.lifecycle."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organization
from accounts.roles import Capability, Role
from feedback.models import FollowUp, LossReason, Objection, ObjectionReason, Outcome, PainPointHeard, QualityFeedback
from leads.models import ContentAsset, HandOff, Lead
from leads.services.lifecycle import change_lead_status
from smarketing.errors import Conflict, DomainError, NotAllowed

S = Lead.Status
DEFAULT_OBJECTIONS = ["Price", "Timing", "Competitor", "No need", "No authority", "Missing feature"]
DEFAULT_LOSS_REASONS = ["Price", "Went with a competitor", "No decision", "Timing", "Missing feature", "No budget"]
WORKABLE = (S.ACCEPTED, S.WORKING, S.OPPORTUNITY)


def ensure_default_lists(*, org: Organization) -> None:
    """Every organization starts with the usual objections and loss reasons; managers edit them."""
    if not ObjectionReason.objects.filter(org=org).exists():
        ObjectionReason.objects.bulk_create(ObjectionReason(org=org, name=name) for name in DEFAULT_OBJECTIONS)
    if not LossReason.objects.filter(org=org).exists():
        LossReason.objects.bulk_create(LossReason(org=org, name=name) for name in DEFAULT_LOSS_REASONS)


def _may_work(lead: Lead, by: Membership) -> None:
    if not by.can(Capability.WORK_SALES_LEADS):
        raise NotAllowed("Only sales logs follow-ups and outcomes.")
    if lead.owner_id != by.pk and by.role not in (Role.SALES_MANAGER, Role.ADMIN):
        raise NotAllowed("Only the lead's rep or a sales manager can do this.")


def _objection_reason(org_id: int, value) -> ObjectionReason:
    reasons = ObjectionReason.objects.filter(org_id=org_id, is_active=True)
    found = (
        reasons.filter(pk=value).first()
        if isinstance(value, int)
        else reasons.filter(name__iexact=str(value).strip()).first()
    )
    if found is None:
        names = ", ".join(reasons.values_list("name", flat=True))
        raise DomainError(f"“{value}” is not on your objection list ({names}).", fields={"objections": ["Unknown."]})
    return found


@transaction.atomic
def log_follow_up(
    *,
    lead: Lead,
    by: Membership,
    kind: str,
    outcome: str,
    occurred_at: datetime,
    notes: str = "",
    objections: list[dict] | None = None,
    pain_points: list[str] | None = None,
) -> FollowUp:
    """One call, mail or meeting. The first one is the lead's first touch and starts the work on it.

    objections: [{"reason": id or name, "text": "..."}] from the organization's list.
    """
    lead = Lead.objects.get(pk=lead.pk, org_id=by.org_id)
    _may_work(lead, by)
    if lead.status not in WORKABLE:
        raise Conflict(f"Follow-ups are logged on accepted leads; this one is {lead.get_status_display().lower()}.",
                       code="illegal_transition")  # fmt: skip
    if kind not in FollowUp.Kind.values or outcome not in FollowUp.Outcome.values:
        raise DomainError("Pick the kind of follow-up and its outcome.", fields={"kind": ["Required."]})
    if timezone.is_naive(occurred_at) or occurred_at > timezone.now() + timedelta(minutes=5):
        raise DomainError("When did it happen? Not in the future.", fields={"occurred_at": ["In the future."]})
    reasons = [
        (_objection_reason(lead.org_id, o.get("reason")), str(o.get("text") or "").strip()) for o in objections or []
    ]
    follow_up = FollowUp.objects.create(
        org_id=lead.org_id, lead=lead, rep=by, kind=kind, outcome=outcome, occurred_at=occurred_at, notes=notes.strip()
    )
    Objection.objects.bulk_create(
        Objection(org_id=lead.org_id, follow_up=follow_up, lead=lead, reason=reason, text=text, at=occurred_at)
        for reason, text in reasons
    )
    PainPointHeard.objects.bulk_create(
        PainPointHeard(org_id=lead.org_id, lead=lead, follow_up=follow_up, text=text.strip()[:200], at=occurred_at)
        for text in pain_points or []
        if text.strip()
    )
    from leads.services.handoff import business_seconds
    from sla.services.clocks import count_follow_ups, stop_clocks

    first_touch = lead.first_touch_at is None or occurred_at < lead.first_touch_at
    if first_touch:
        stop_clocks(lead=lead, metrics=("first_touch_time",), at=occurred_at)
        handoff = (
            HandOff.objects.filter(org_id=lead.org_id, lead=lead, accepted_at__isnull=False)
            .order_by("-handed_off_at")
            .first()
        )
        if handoff is not None:
            HandOff.objects.filter(pk=handoff.pk).update(
                first_touch_seconds=business_seconds(
                    lead.org_id, handoff.accepted_at, max(occurred_at, handoff.accepted_at)
                )
            )
    count_follow_ups(lead=lead, at=occurred_at)
    if lead.status == S.ACCEPTED:
        change_lead_status(lead=lead, to=S.WORKING, by=by, note=f"First touch: {follow_up.get_kind_display().lower()}",
                           first_touch_at=occurred_at)  # fmt: skip
    elif first_touch:
        # An earlier first touch logged late: the lead moved (the dashboards' refresh looks for updated_at).
        Lead.objects.filter(pk=lead.pk).update(first_touch_at=occurred_at, updated_at=timezone.now())
    return follow_up


@transaction.atomic
def record_quality_feedback(
    *,
    lead: Lead,
    by: Membership,
    fit: int,
    ready_to_talk: bool,
    brief_useful: bool,
    wrong_criteria: list[str] | None = None,
    comment: str = "",
) -> QualityFeedback:
    """A rep's verdict on the lead marketing sent, once per hand-off (saving again corrects it)."""
    if not by.can(Capability.WORK_SALES_LEADS):
        raise NotAllowed("Sales rates the leads marketing sends.")
    handoff = HandOff.objects.filter(org_id=by.org_id, lead=lead).order_by("-handed_off_at", "-id").first()
    if handoff is None or (handoff.accepted_at is None and handoff.rejected_at is None):
        raise Conflict("Rate a lead once you have accepted or rejected it.", code="illegal_transition")
    if handoff.rep_id != by.pk and by.role not in (Role.SALES_MANAGER, Role.ADMIN):
        raise NotAllowed("The rep who got the lead rates it.")
    if not 1 <= int(fit) <= 5:
        raise DomainError("Fit is 1 (no fit) to 5 (perfect).", fields={"fit": ["1 to 5."]})
    offered = {o["rule"] for o in handoff.brief.get("criteria_met", [])}
    wrong = [w for w in wrong_criteria or [] if w in offered]
    feedback, _ = QualityFeedback.objects.update_or_create(
        org_id=by.org_id, handoff=handoff, member=by,
        defaults={"lead": lead, "fit": int(fit), "ready_to_talk": ready_to_talk, "brief_useful": brief_useful,
                  "wrong_criteria": wrong, "comment": comment.strip(), "at": timezone.now()},
    )  # fmt: skip
    return feedback


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", ""))
    except ArithmeticError:
        raise DomainError("Value must be an amount.", fields={"value": ["Not an amount."]}) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e14"):
        raise DomainError("Value must be an amount of 0 or more.", fields={"value": ["Out of range."]})
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def close_lead(
    *,
    lead: Lead,
    by: Membership,
    outcome: str,
    value=None,
    loss_reason=None,
    competitor: str = "",
    helped_asset: ContentAsset | None = None,
    helped_tactic: str = "",
) -> Lead:
    """Opportunity (with its value), won (value, what helped) or lost (reason from the list, competitor)."""
    lead = Lead.objects.get(pk=lead.pk, org_id=by.org_id)
    _may_work(lead, by)
    amount = _amount(value)
    record, _ = Outcome.objects.get_or_create(org_id=by.org_id, lead=lead)
    if outcome == S.OPPORTUNITY:
        lead = change_lead_status(lead=lead, to=S.OPPORTUNITY, by=by, note="Opportunity")
        record.opportunity_value = amount
    elif outcome == S.WON:
        lead = change_lead_status(lead=lead, to=S.WON, by=by, note=helped_tactic.strip() or "Won")
        record.won_value = amount if amount is not None else record.opportunity_value
        if helped_asset is not None and helped_asset.org_id != by.org_id:
            raise DomainError("Pick content of your organization.", fields={"helped_asset": ["Unknown."]})
        record.helped_asset, record.helped_tactic = helped_asset, helped_tactic.strip()[:200]
    elif outcome == S.LOST:
        reasons = LossReason.objects.filter(org_id=by.org_id, is_active=True)
        reason = (
            reasons.filter(pk=loss_reason).first()
            if isinstance(loss_reason, int)
            else reasons.filter(name__iexact=str(loss_reason or "").strip()).first()
        )
        if reason is None:
            names = ", ".join(reasons.values_list("name", flat=True))
            raise DomainError(f"Say why it was lost: one of {names}.", fields={"loss_reason": ["Required."]})
        lead = change_lead_status(lead=lead, to=S.LOST, by=by, note=f"Lost: {reason.name}")
        record.loss_reason, record.competitor = reason, competitor.strip()[:120]
    else:
        raise DomainError("Outcome is opportunity, won or lost.", fields={"outcome": ["Unknown."]})
    record.updated_at = timezone.now()
    record.save()
    return lead


def _manage_lists(by: Membership) -> None:
    if not (by.role in (Role.SALES_MANAGER, Role.MARKETING_MANAGER) or by.can(Capability.MANAGE_ORGANIZATION)):
        raise NotAllowed("Managers keep the objection and loss-reason lists.")


@transaction.atomic
def add_to_list(*, by: Membership, kind: type[ObjectionReason] | type[LossReason], name: str):
    """Put an objection or a loss reason on the organization's list (back on, if it was taken off)."""
    _manage_lists(by)
    name = name.strip()[:80]
    if not name:
        raise DomainError("Give it a name.", fields={"name": ["Required."]})
    entry, created = kind.objects.get_or_create(org_id=by.org_id, name=name)
    if not created and entry.is_active:
        raise Conflict(f"“{name}” is on the list already.", fields={"name": ["Already listed."]})
    if not entry.is_active:
        entry.is_active = True
        entry.save(update_fields=["is_active"])
    return entry


@transaction.atomic
def take_off_list(*, by: Membership, entry: ObjectionReason | LossReason) -> None:
    """Off the list for what is logged from now on; what was logged before keeps it."""
    _manage_lists(by)
    type(entry).objects.filter(pk=entry.pk, org_id=by.org_id).update(is_active=False)
