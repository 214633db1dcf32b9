"""Criteria versions: drafted by marketing, proposed, signed by both managers, active, retired.

A proposed version becomes active only when a marketing manager and a sales manager have both
signed it; activating it retires the one before (one active version per organization, held by a
unique index) and re-evaluates the organization's open leads in background jobs.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import AuditEvent, Membership, Organization
from accounts.roles import Capability
from accounts.services import require
from leads.models import CriteriaRule, CriteriaSignature, CriteriaVersion, CriteriaVersionEvent
from leads.scoring import OPERATORS, Attribute, Operator
from smarketing import signing
from smarketing.errors import Conflict, DomainError

V = CriteriaVersion.Status
E = CriteriaVersionEvent.Kind


def clean_rules(rules: list[dict]) -> list[dict]:
    """Check rules as the editor sends them; returns them in a stable, storable form."""
    cleaned, errors = [], {}
    for index, rule in enumerate(rules):
        try:
            cleaned.append(_clean_rule(rule))
        except (KeyError, TypeError, ValueError) as error:
            errors[f"rules.{index}"] = [str(error) or "Incomplete rule."]
    if errors:
        raise DomainError("Some rules are not complete.", fields=errors)
    return cleaned


def _clean_rule(rule: dict) -> dict:
    attribute, operator = Attribute(rule["attribute"]), Operator(rule["operator"])
    if operator not in OPERATORS[attribute]:
        raise ValueError(f"“{operator}” does not apply to {attribute}.")
    value = rule.get("value")
    if operator in (Operator.IN, Operator.NOT_IN, Operator.ANY_OF):
        value = [str(v).strip() for v in value if str(v).strip()]
        if not value:
            raise ValueError("Name at least one value.")
    elif operator == Operator.BETWEEN:
        low, high = float(value[0]), float(value[1])
        if low > high or low < 0:
            raise ValueError("The range must run from a lower to a higher number, both 0 or more.")
        value = [low, high]
    elif operator in (Operator.AT_LEAST, Operator.AT_MOST) and attribute != Attribute.ENGAGEMENT:
        value = float(value)
        if value < 0:
            raise ValueError("Must be 0 or more.")
    elif attribute == Attribute.ENGAGEMENT:
        value = {"score": float(value["score"]), "days": int(value["days"])}
        if value["score"] < 0 or not 1 <= value["days"] <= 365:
            raise ValueError("Engagement needs a score of 0 or more over 1 to 365 days.")
    elif attribute == Attribute.CONTENT:
        value = {"assets": sorted({int(a) for a in value.get("assets") or []}),
                 "topic": str(value.get("topic") or "").strip(), "days": int(value["days"])}  # fmt: skip
        if not value["assets"] and not value["topic"]:
            raise ValueError("Choose content or name a topic.")
        if not 1 <= value["days"] <= 365:
            raise ValueError("Count engagement over 1 to 365 days.")
    else:
        value = None
    required = bool(rule.get("required"))
    weight = 0 if required else int(rule.get("weight") or 0)
    if not required and not 1 <= weight <= 100:
        raise ValueError("A weighted rule needs a weight from 1 to 100.")
    return {"attribute": attribute.value, "operator": operator.value, "value": value, "required": required,
            "weight": weight}  # fmt: skip


@transaction.atomic
def create_criteria_version(
    *, by: Membership, based_on: CriteriaVersion | None = None, name: str = ""
) -> CriteriaVersion:
    """A new draft, starting from the given version's rules (or the active one's)."""
    require(by, Capability.WORK_MARKETING_LEADS)
    org = Organization.objects.select_for_update().get(pk=by.org_id)
    if based_on is None:
        based_on = CriteriaVersion.objects.filter(org=org, status=V.ACTIVE).first()
    number = (CriteriaVersion.objects.filter(org=org).aggregate(n=Max("number"))["n"] or 0) + 1
    version = CriteriaVersion.objects.create(
        org=org,
        number=number,
        name=name or f"Version {number}",
        based_on=based_on,
        created_by=by,
        min_fit_score=based_on.min_fit_score if based_on else 50,
        min_engagement_score=based_on.min_engagement_score if based_on else 10,
    )
    if based_on is not None:
        CriteriaRule.objects.bulk_create(
            CriteriaRule(org=org, version=version, position=r.position, attribute=r.attribute, operator=r.operator,
                         value=r.value, required=r.required, weight=r.weight)
            for r in based_on.rules.all()
        )  # fmt: skip
    signing.record_event(CRITERIA, version, E.CREATED, by)
    return version


@transaction.atomic
def update_criteria_version(
    *,
    by: Membership,
    version: CriteriaVersion,
    name: str,
    summary: str,
    min_fit_score: int,
    min_engagement_score: float,
    rules: list[dict],
) -> CriteriaVersion:
    """Save the editor's draft. Editing a proposed version withdraws the signatures given so far."""
    require(by, Capability.WORK_MARKETING_LEADS)
    version = signing.lock(CRITERIA, version)
    if version.status not in (V.DRAFT, V.PROPOSED):
        raise Conflict("An active or retired version cannot change; start a new draft from it.")
    if not 0 <= min_fit_score <= 100 or min_engagement_score < 0:
        raise DomainError("Thresholds: fit 0-100, engagement 0 or more.", fields={"min_fit_score": ["0 to 100."]})
    rules = clean_rules(rules)
    version.name, version.summary = name.strip() or version.name, summary.strip()
    version.min_fit_score, version.min_engagement_score = min_fit_score, min_engagement_score
    version.updated_at = timezone.now()
    version.save(update_fields=["name", "summary", "min_fit_score", "min_engagement_score", "updated_at"])
    version.rules.all().delete()
    CriteriaRule.objects.bulk_create(
        CriteriaRule(org_id=version.org_id, version=version, position=n, **rule) for n, rule in enumerate(rules)
    )
    signing.record_event(CRITERIA, version, E.EDITED, by)
    if version.status == V.PROPOSED:
        signing.withdraw_signatures(CRITERIA, version, by)
    return version


def _reevaluate(version: CriteriaVersion) -> None:
    from leads.services.qualification import start_reevaluation

    start_reevaluation(version=version)


CRITERIA = signing.Signable(
    document=CriteriaVersion,
    signature=CriteriaSignature,
    event=CriteriaVersionEvent,
    link="version",
    noun="criteria",
    audit_signed=AuditEvent.Kind.CRITERIA_SIGNED,
    audit_activated=AuditEvent.Kind.CRITERIA_ACTIVATED,
    on_activate=_reevaluate,
)


def propose_criteria_version(*, by: Membership, version: CriteriaVersion, comment: str = "") -> CriteriaVersion:
    require(by, Capability.WORK_MARKETING_LEADS)
    if not version.rules.exists():
        raise DomainError("Add at least one rule before proposing.")
    return signing.propose(CRITERIA, by=by, document=version, comment=comment)


def send_back_criteria_version(*, by: Membership, version: CriteriaVersion, comment: str) -> CriteriaVersion:
    return signing.send_back(CRITERIA, by=by, document=version, comment=comment)


def sign_criteria_version(
    *, by: Membership, version: CriteriaVersion, comment: str = "", request=None
) -> CriteriaVersion:
    """Sign for one's side. The second side's signature activates the version."""
    return signing.sign(CRITERIA, by=by, document=version, comment=comment, request=request)


@transaction.atomic
def discard_criteria_draft(*, by: Membership, version: CriteriaVersion) -> None:
    require(by, Capability.WORK_MARKETING_LEADS)
    version = signing.lock(CRITERIA, version)
    if version.status != V.DRAFT or version.proposed_at is not None:
        raise Conflict("Only a draft that was never proposed can be discarded; it stays in the history otherwise.")
    version.delete()
