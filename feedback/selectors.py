"""Reads of what sales tells marketing: follow-ups, the objection and loss-reason lists, outcomes,
quality feedback, and a lead's whole history, each scoped to the asking member's organization."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import Membership
from feedback.models import FollowUp, LossReason, Objection, ObjectionReason, Outcome, QualityFeedback
from leads.models import HandOff, Lead
from leads.selectors import handoffs_of, lead_status_changes

S = Lead.Status


def objection_reasons_of(member: Membership) -> QuerySet[ObjectionReason]:
    """The organization's objection list, on it and taken off, each with how often it was heard."""
    return (
        ObjectionReason.objects.filter(org_id=member.org_id)
        .annotate(heard=Count("objections"))
        .order_by("-is_active", "name")
    )


def loss_reasons_of(member: Membership) -> QuerySet[LossReason]:
    return LossReason.objects.filter(org_id=member.org_id).order_by("-is_active", "name")


def objection_choices(member: Membership) -> list[tuple[int, str]]:
    """What a rep picks from when logging a follow-up: the objections on the list now."""
    reasons = ObjectionReason.objects.filter(org_id=member.org_id, is_active=True).order_by("name")
    return list(reasons.values_list("id", "name"))


def loss_reason_choices(member: Membership) -> list[tuple[int, str]]:
    reasons = LossReason.objects.filter(org_id=member.org_id, is_active=True).order_by("name")
    return list(reasons.values_list("id", "name"))


def follow_ups_of(lead: Lead) -> list[FollowUp]:
    """The lead's follow-ups, newest first, with the objections and pain points heard in each."""
    objections = Objection.objects.select_related("reason").order_by("id")
    return list(
        FollowUp.objects.filter(org_id=lead.org_id, lead=lead)
        .select_related("rep__user")
        .prefetch_related(Prefetch("objections", queryset=objections), "pain_points")
        .order_by("-occurred_at", "-id")
    )


def outcome_of(lead: Lead) -> Outcome | None:
    return Outcome.objects.filter(org_id=lead.org_id, lead=lead).select_related("loss_reason", "helped_asset").first()


def quality_feedback_on(handoff: HandOff, member: Membership) -> QualityFeedback | None:
    """The member's verdict on this hand-off, if they gave one."""
    return QualityFeedback.objects.filter(org_id=member.org_id, handoff=handoff, member=member).first()


def quality_feedback_of(lead: Lead) -> list[QualityFeedback]:
    feedback = QualityFeedback.objects.filter(org_id=lead.org_id, lead=lead).select_related("member__user")
    return list(feedback.order_by("at", "id"))


@dataclass
class HistoryEntry:
    """One line of a lead's history: a status change (with what came with it), a follow-up, a verdict."""

    at: datetime
    kind: str
    title: str
    who: str
    note: str = ""
    from_status: str = ""
    to_status: str = ""
    # For a status change: "MQL → Handed off" (its title may say more, like whom it was handed to).
    step: str = ""
    # When it was written down: orders what happened within the same minute (a call "at 10:05" logged
    # after the lead was accepted at 10:05:40 came after the acceptance).
    recorded: datetime | None = None
    details: list[str] = field(default_factory=list)
    objections: list[tuple[str, str]] = field(default_factory=list)
    pain_points: list[str] = field(default_factory=list)


def _amount(value) -> str:
    return f"{value:,.2f}".removesuffix(".00")


def _order(entry: HistoryEntry) -> tuple[datetime, datetime]:
    return entry.at.replace(second=0, microsecond=0), entry.recorded or entry.at


def _outcome_details(outcome: Outcome | None, to: str) -> list[str]:
    if outcome is None:
        return []
    if to == S.OPPORTUNITY and outcome.opportunity_value is not None:
        return [f"Value {_amount(outcome.opportunity_value)}"]
    if to == S.WON:
        details = [f"Value {_amount(outcome.won_value)}"] if outcome.won_value is not None else []
        if outcome.helped_asset is not None:
            details.append(f"Content that helped: {outcome.helped_asset.title}")
        if outcome.helped_tactic:
            details.append(f"What helped: {outcome.helped_tactic}")
        return details
    if to == S.LOST:
        details = [f"Reason: {outcome.loss_reason.name}"] if outcome.loss_reason is not None else []
        return details + ([f"Competitor: {outcome.competitor}"] if outcome.competitor else [])
    return []


def lead_history(lead: Lead) -> list[HistoryEntry]:
    """Everything that happened to the lead, newest first: every status change (who, when, from, to,
    note) with its hand-off or outcome, every follow-up with its objections, every quality verdict.
    A constant number of queries, whatever the lead's history."""
    handoffs = {handoff.handed_off_at: handoff for handoff in handoffs_of(lead)}
    outcome = outcome_of(lead)
    entries = []
    for change in lead_status_changes(lead):
        step = f"{S(change.from_status).label} → {S(change.to_status).label}"
        # "Opportunity" as the note of the change to opportunity says nothing more.
        note = "" if change.note == S(change.to_status).label else change.note
        entry = HistoryEntry(
            at=change.at, kind="status", who=change.by.name if change.by else "Automatic", title=step,
            note=note, from_status=change.from_status, to_status=change.to_status, step=step,
        )  # fmt: skip
        handoff = handoffs.pop(change.at, None) if change.to_status == S.HANDED_OFF else None
        if handoff is not None:
            entry.title = f"Handed off to {handoff.rep.name}"
            entry.details.append(f"Routing: {handoff.routing}")
        entry.details += [d for d in _outcome_details(outcome, change.to_status) if d != f"What helped: {note}"]
        entries.append(entry)
    # A hand-off without its status change (made before changes were recorded) still shows.
    for handoff in handoffs.values():
        entries.append(HistoryEntry(at=handoff.handed_off_at, kind="status", who=handoff.by.name,
                                    title=f"Handed off to {handoff.rep.name}", note=handoff.note,
                                    to_status=S.HANDED_OFF, details=[f"Routing: {handoff.routing}"]))  # fmt: skip
    for follow_up in follow_ups_of(lead):
        entries.append(
            HistoryEntry(
                at=follow_up.occurred_at, kind="follow_up", who=follow_up.rep.name,
                title=f"{follow_up.get_kind_display()}: {follow_up.get_outcome_display().lower()}",
                note=follow_up.notes, recorded=follow_up.logged_at,
                objections=[(o.reason.name, o.text) for o in follow_up.objections.all()],
                pain_points=[p.text for p in follow_up.pain_points.all()],
            )
        )  # fmt: skip
    for verdict in quality_feedback_of(lead):
        details = [
            f"Ready to talk: {'yes' if verdict.ready_to_talk else 'no'}",
            f"Brief useful: {'yes' if verdict.brief_useful else 'no'}",
        ]
        if verdict.wrong_criteria:
            details.append(f"Criteria that were wrong: {'; '.join(verdict.wrong_criteria)}")
        entries.append(HistoryEntry(at=verdict.at, kind="quality", who=verdict.member.name,
                                    title=f"Lead quality: fit {verdict.fit}/5", note=verdict.comment,
                                    details=details))  # fmt: skip
    entries.sort(key=_order, reverse=True)
    return entries
