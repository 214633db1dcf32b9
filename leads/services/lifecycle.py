"""The life of a lead (SPEC section 4): the one place a lead's status changes.

Every change is checked against TRANSITIONS, made with a conditional UPDATE on the status the caller
saw (so of two people acting at once exactly one wins), and recorded: who, when, from, to, note.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership
from leads.models import Lead, LeadStatusChange
from smarketing.errors import Conflict

S = Lead.Status
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.NURTURING, S.MQL, S.DISQUALIFIED}),
    S.NURTURING: frozenset({S.MQL, S.DISQUALIFIED}),
    S.MQL: frozenset({S.NURTURING, S.HANDED_OFF, S.DISQUALIFIED}),
    S.HANDED_OFF: frozenset({S.ACCEPTED, S.RECYCLED}),
    S.ACCEPTED: frozenset({S.WORKING}),
    S.WORKING: frozenset({S.OPPORTUNITY, S.LOST}),
    S.OPPORTUNITY: frozenset({S.WON, S.LOST}),
    S.RECYCLED: frozenset({S.NURTURING, S.MQL, S.HANDED_OFF, S.DISQUALIFIED}),
    S.WON: frozenset(),
    S.LOST: frozenset(),
    S.DISQUALIFIED: frozenset(),
}
# The stage timestamp each status stamps when a lead enters it (SPEC 8.1, and the funnel figures).
STAMPS = {
    S.MQL: "qualified_at",
    S.HANDED_OFF: "handed_off_at",
    S.ACCEPTED: "accepted_at",
    S.RECYCLED: "rejected_at",
    S.OPPORTUNITY: "opportunity_at",
    S.WON: "closed_at",
    S.LOST: "closed_at",
    S.DISQUALIFIED: "closed_at",
}


class IllegalTransition(Conflict):
    code = "illegal_transition"


def is_allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def check_transition(current: str, target: str) -> None:
    if not is_allowed(current, target):
        raise IllegalTransition(
            f"A lead that is {S(current).label.lower()} cannot become {S(target).label.lower()}.",
            fields={"status": [f"Allowed next: {', '.join(sorted(TRANSITIONS[current])) or 'none'}."]},
        )


@transaction.atomic
def change_lead_status(
    *, lead: Lead, to: str, by: Membership | None, note: str = "", at: datetime | None = None, **changes
) -> Lead:
    """Move the lead from the status the caller saw to `to`, with any other field changes.

    Raises Conflict when someone else changed the lead first (nothing is changed then).
    """
    at = at or timezone.now()
    seen = lead.status
    check_transition(seen, to)
    values = {"status": to, "updated_at": at, **changes}
    if to in STAMPS and STAMPS[to] not in values:
        values[STAMPS[to]] = at
    # Conditional UPDATE: of two people acting on the lead at once, exactly one sees updated == 1.
    updated = Lead.objects.filter(pk=lead.pk, org_id=lead.org_id, status=seen).update(**values)
    if updated != 1:
        lead.refresh_from_db(fields=["status"])
        raise Conflict(
            f"Someone else changed this lead first: it is now {lead.get_status_display().lower()}.",
            code="lead_changed",
        )
    LeadStatusChange.objects.create(
        org_id=lead.org_id, lead=lead, by=by, from_status=seen, to_status=to, note=note, at=at
    )
    lead.refresh_from_db()
    return lead
