"""The check-in's decisions: one note per organization and month, written by whoever runs the meeting.

No audit event: the note itself keeps who saved it last and when, and the audit log is kept for
sign-ins, roles, tokens and signatures. Two people typing at once do not overwrite each other: a
save names the version it started from, and a note someone else saved meanwhile refuses it.
"""

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Membership
from accounts.roles import Capability
from feedback.models import CheckInNote
from smarketing.errors import Conflict, NotAllowed

MAX_LENGTH = 20_000


def may_write_check_in_notes(member: Membership) -> bool:
    """Marketing and the managers run the check-in; reps read what it decided."""
    return member.can(Capability.WORK_MARKETING_LEADS) or member.can(Capability.VIEW_ALL_FIGURES)


@transaction.atomic
def save_check_in_notes(*, by: Membership, month: date, text: str, seen: datetime | None) -> CheckInNote:
    """Save the month's notes. `seen` is when the note the writer started from was saved (None: there
    was none); if it was saved again since, nothing changes and Conflict says by whom."""
    if not may_write_check_in_notes(by):
        raise NotAllowed("Marketing and the managers keep the check-in notes.")
    month, text, now = month.replace(day=1), text.strip()[:MAX_LENGTH], timezone.now()
    if seen is None:
        try:
            with transaction.atomic():
                return CheckInNote.objects.create(
                    org_id=by.org_id, month=month, text=text, updated_by=by, updated_at=now
                )
        except IntegrityError:
            pass  # someone saved the first notes of this month while this writer typed
    else:
        # Conditional UPDATE: of two people saving over the same version, exactly one matches.
        updated = CheckInNote.objects.filter(org_id=by.org_id, month=month, updated_at=seen).update(
            text=text, updated_by=by, updated_at=now
        )
        if updated == 1:
            return CheckInNote.objects.get(org_id=by.org_id, month=month)
    current = CheckInNote.objects.select_related("updated_by__user").filter(org_id=by.org_id, month=month).first()
    who = current.updated_by.name if current and current.updated_by else "Someone"
    when = f" at {timezone.localtime(current.updated_at, by.org.zone):%H:%M}" if current else ""
    raise Conflict(f"{who} saved these notes{when} while you were writing. Your text is still in the box: "
                   "add what they wrote and save again.", code="edit_conflict")  # fmt: skip
