"""Documents both managers sign: the lead criteria and the Sales-Marketing Agreement.

Draft → proposed → active → retired. A proposal becomes active only when a marketing manager and a
sales manager have both signed it; a manager signing twice counts once; either may send it back with
a comment; activating retires the version active before. The document row is locked while it is
signed, and activations of one organization take turns, so there is never more than one active.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accounts.models import Membership, Organization
from accounts.roles import Role
from smarketing.errors import Conflict, DomainError, NotAllowed

SIGNING_ROLES = {Role.MARKETING_MANAGER: "marketing", Role.SALES_MANAGER: "sales"}


@dataclass(frozen=True)
class Signable:
    """How one kind of signed document is stored."""

    document: type[models.Model]
    signature: type[models.Model]
    event: type[models.Model]
    # The name of the foreign key from signatures and events to the document.
    link: str
    noun: str
    audit_signed: str
    audit_activated: str
    # Called after activation, in the same transaction (the criteria re-evaluate open leads).
    on_activate: Callable[[models.Model], object] | None = None


def record_event(spec: Signable, document, kind: str, by: Membership | None, comment: str = "") -> None:
    spec.event.objects.create(org_id=document.org_id, kind=kind, member=by, comment=comment, **{spec.link: document})


def lock(spec: Signable, document):
    """Re-read the document under a row lock: concurrent edits and signatures wait in line."""
    return spec.document.objects.select_for_update().get(pk=document.pk, org_id=document.org_id)


def signer_side(spec: Signable, by: Membership) -> str:
    if not by.is_active or by.role not in SIGNING_ROLES:
        raise NotAllowed(f"Only a marketing manager and a sales manager sign the {spec.noun}.")
    return SIGNING_ROLES[by.role]


def withdraw_signatures(spec: Signable, document, by: Membership) -> None:
    """Called when a proposal changes: what was signed is no longer what is proposed."""
    deleted, _ = spec.signature.objects.filter(**{spec.link: document}).delete()
    if deleted:
        record_event(spec, document, "signatures_withdrawn", by, "Changed after signing: both managers sign again.")


@transaction.atomic
def propose(spec: Signable, *, by: Membership, document, comment: str = ""):
    document = lock(spec, document)
    if document.status != "draft":
        raise Conflict(f"Only a draft can be proposed; this {spec.noun} is {document.get_status_display().lower()}.")
    document.status, document.proposed_at = "proposed", timezone.now()
    document.save(update_fields=["status", "proposed_at"])
    record_event(spec, document, "proposed", by, comment)
    return document


@transaction.atomic
def send_back(spec: Signable, *, by: Membership, document, comment: str):
    """A manager returns a proposal to draft, saying why; signatures given so far are withdrawn."""
    signer_side(spec, by)
    if not comment.strip():
        raise DomainError("Say what should change.", fields={"comment": ["Required when sending back."]})
    document = lock(spec, document)
    if document.status != "proposed":
        raise Conflict(f"Only a proposed {spec.noun} can be sent back.")
    spec.signature.objects.filter(**{spec.link: document}).delete()
    document.status = "draft"
    document.save(update_fields=["status"])
    record_event(spec, document, "sent_back", by, comment.strip())
    return document


@transaction.atomic
def sign(spec: Signable, *, by: Membership, document, comment: str = "", request=None):
    """Sign for one's side. The second side's signature activates the document."""
    from accounts.services import record_audit_event

    side = signer_side(spec, by)
    document = lock(spec, document)
    if document.status != "proposed":
        raise Conflict(f"This version is {document.get_status_display().lower()}: there is nothing to sign.")
    _, created = spec.signature.objects.get_or_create(
        org_id=document.org_id, member=by, defaults={"side": side, "comment": comment.strip()}, **{spec.link: document}
    )
    if created:
        record_event(spec, document, "signed", by, comment.strip())
        record_audit_event(kind=spec.audit_signed, request=request, org=by.org, actor=by.user,
                           target=f"{spec.noun} {document.number}", details={"side": side})  # fmt: skip
    sides = set(spec.signature.objects.filter(**{spec.link: document}).values_list("side", flat=True))
    if sides >= {"marketing", "sales"}:
        _activate(spec, document, by=by, request=request)
    return document


def _activate(spec: Signable, document, *, by: Membership, request=None) -> None:
    from accounts.services import record_audit_event

    now = timezone.now()
    # Activations of one organization take turns, so each retires the one active just before it.
    Organization.objects.select_for_update().filter(pk=document.org_id).first()
    previous = spec.document.objects.select_for_update().filter(org_id=document.org_id, status="active").first()
    if previous is not None:
        previous.status, previous.retired_at = "retired", now
        previous.save(update_fields=["status", "retired_at"])
        record_event(spec, previous, "retired", by, f"Replaced by version {document.number}.")
    document.status, document.activated_at = "active", now
    try:
        with transaction.atomic():
            document.save(update_fields=["status", "activated_at"])
    except IntegrityError:
        raise Conflict(f"Another {spec.noun} was activated at the same moment; reload and review.") from None
    record_event(spec, document, "activated", by)
    record_audit_event(kind=spec.audit_activated, request=request, org=by.org, actor=by.user,
                       target=f"{spec.noun} {document.number}")  # fmt: skip
    if spec.on_activate is not None:
        spec.on_activate(document)
