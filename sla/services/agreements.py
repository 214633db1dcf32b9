"""Agreement versions and their objectives, signed by both managers like the criteria."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import AuditEvent, Membership, Organization
from accounts.roles import Capability
from accounts.services import require
from sla.models import Agreement, AgreementEvent, AgreementSignature, Objective
from sla.objectives import MARKETING_METRICS, SALES_METRICS, side_of, statement
from sla.services.compliance import compliance_changed
from smarketing import signing
from smarketing.errors import Conflict, DomainError

A = Agreement.Status


def _compute_history(agreement: Agreement) -> None:
    from sla.tasks import compute_compliance_task
    from smarketing.queue import enqueue_on_commit

    # Pages show the newly active agreement's objectives at once, before their figures are in.
    compliance_changed(org_id=agreement.org_id)
    # The trend of the last twelve periods, measured against the newly agreed objectives.
    enqueue_on_commit(compute_compliance_task, agreement.org_id, 12)


AGREEMENT = signing.Signable(
    document=Agreement,
    signature=AgreementSignature,
    event=AgreementEvent,
    link="agreement",
    noun="agreement",
    audit_signed=AuditEvent.Kind.AGREEMENT_SIGNED,
    audit_activated=AuditEvent.Kind.AGREEMENT_ACTIVATED,
    on_activate=_compute_history,
)
OBJECTIVE_FIELDS = ("metric", "target", "period", "hours", "count", "days", "statement")


class ObjectiveProblem(ValueError):
    """What is wrong with one objective, and which of its terms it is about (the editor shows it there)."""

    def __init__(self, message: str, term: str):
        super().__init__(message)
        self.term = term


def clean_objective(raw: dict) -> dict:
    """Check one objective as the editor or the demo sends it; fills the statement if left empty."""
    metric = raw.get("metric")
    if metric not in (*MARKETING_METRICS, *SALES_METRICS):
        raise ObjectiveProblem("Pick what is measured.", "metric")
    try:
        target = Decimal(str(raw.get("target"))).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ObjectiveProblem("The target is a number.", "target") from None
    if metric == "mqls_delivered":
        if not 0 < target <= 1_000_000:
            raise ObjectiveProblem("The target is a number of leads above 0.", "target")
    elif not 0 < target <= 100:
        raise ObjectiveProblem("The target is a share from 1 to 100 percent.", "target")
    period = raw.get("period") or "month"
    if period not in Objective.Period.values:
        raise ObjectiveProblem("The period is a week, a month or a quarter.", "period")
    hours = count = days = None
    if metric in ("response_time", "first_touch_time"):
        hours = int(raw.get("hours") or 0)
        if not 1 <= hours <= 720:
            raise ObjectiveProblem("Give the business hours allowed: 1 to 720.", "hours")
    if metric == "follow_ups":
        count, days = int(raw.get("count") or 0), int(raw.get("days") or 0)
        if not 1 <= count <= 50:
            raise ObjectiveProblem("Give how many follow-ups (1-50) within how many days (1-365).", "count")
        if not 1 <= days <= 365:
            raise ObjectiveProblem("Give how many follow-ups (1-50) within how many days (1-365).", "days")
    words = str(raw.get("statement") or "").strip() or statement(
        metric=metric, target=target, period=period, hours=hours, count=count, days=days
    )
    return {"metric": metric, "side": side_of(metric), "target": target, "period": period, "hours": hours,
            "count": count, "days": days, "statement": words[:2000]}  # fmt: skip


def clean_objectives(objectives: list[dict]) -> list[dict]:
    cleaned, errors = [], {}
    for index, raw in enumerate(objectives):
        try:
            cleaned.append(clean_objective(raw))
        except (TypeError, ValueError) as error:
            errors[f"objectives.{index}"] = [str(error)]
    if errors:
        raise DomainError("Some objectives are not complete.", fields=errors)
    if not cleaned:
        raise DomainError("An agreement holds at least one objective.", fields={"objectives": ["Add one."]})
    return cleaned


@transaction.atomic
def create_agreement(*, by: Membership, based_on: Agreement | None = None) -> Agreement:
    """A new draft, starting from the given version's objectives (or the active one's)."""
    require(by, Capability.SIGN_AGREEMENTS)
    org = Organization.objects.select_for_update().get(pk=by.org_id)
    based_on = based_on or Agreement.objects.filter(org=org, status=A.ACTIVE).first()
    number = (Agreement.objects.filter(org=org).aggregate(n=Max("number"))["n"] or 0) + 1
    agreement = Agreement.objects.create(
        org=org, number=number, name=f"Agreement {number}", based_on=based_on, created_by=by,
        at_risk_share=based_on.at_risk_share if based_on else 0.75,
    )  # fmt: skip
    if based_on is not None:
        Objective.objects.bulk_create(
            Objective(org=org, agreement=agreement, position=o.position, side=o.side,
                      **{name: getattr(o, name) for name in OBJECTIVE_FIELDS})
            for o in based_on.objectives.all()
        )  # fmt: skip
    signing.record_event(AGREEMENT, agreement, AgreementEvent.Kind.CREATED, by)
    return agreement


@transaction.atomic
def update_agreement(
    *, by: Membership, agreement: Agreement, name: str, summary: str, at_risk_share: float, objectives: list[dict]
) -> Agreement:
    """Save the draft. Changing a proposed agreement withdraws the signatures given so far."""
    require(by, Capability.SIGN_AGREEMENTS)
    agreement = signing.lock(AGREEMENT, agreement)
    if agreement.status not in (A.DRAFT, A.PROPOSED):
        raise Conflict("An active or retired agreement cannot change; start a new draft from it.")
    if not 0.05 <= at_risk_share <= 0.95:
        raise DomainError("“At risk” is a share of the time between 5% and 95%.", fields={"at_risk_share": ["5-95%."]})
    cleaned = clean_objectives(objectives)
    agreement.name, agreement.summary = name.strip() or agreement.name, summary.strip()
    agreement.at_risk_share, agreement.updated_at = at_risk_share, timezone.now()
    agreement.save(update_fields=["name", "summary", "at_risk_share", "updated_at"])
    agreement.objectives.all().delete()
    Objective.objects.bulk_create(
        Objective(org_id=agreement.org_id, agreement=agreement, position=n, **objective)
        for n, objective in enumerate(cleaned)
    )
    signing.record_event(AGREEMENT, agreement, AgreementEvent.Kind.EDITED, by)
    if agreement.status == A.PROPOSED:
        signing.withdraw_signatures(AGREEMENT, agreement, by)
    return agreement


def propose_agreement(*, by: Membership, agreement: Agreement, comment: str = "") -> Agreement:
    require(by, Capability.SIGN_AGREEMENTS)
    if not agreement.objectives.exists():
        raise DomainError("Add at least one objective before proposing.")
    return signing.propose(AGREEMENT, by=by, document=agreement, comment=comment)


def send_back_agreement(*, by: Membership, agreement: Agreement, comment: str) -> Agreement:
    return signing.send_back(AGREEMENT, by=by, document=agreement, comment=comment)


def sign_agreement(*, by: Membership, agreement: Agreement, comment: str = "", request=None) -> Agreement:
    """Sign for one's side; the second side's signature activates it (and retires the one before)."""
    return signing.sign(AGREEMENT, by=by, document=agreement, comment=comment, request=request)
