"""Two organizations with a little of everything, built through the services, for the API fuzz tests.

Each has a member of every role with an API token, campaigns, content, a signed (active) criteria
version and a draft, leads in every early stage (new, MQL, handed off, accepted, rejected, in
follow-up, an opportunity), engagement events and hand-offs. The fuzzer reads and writes all of it,
and every id of one organization is a probe for the other one's tokens.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from accounts.models import Membership, Organization
from accounts.roles import Role
from feedback.services import close_lead, ensure_default_lists, log_follow_up
from leads.models import CriteriaVersion, Lead, ReevaluationChunk
from leads.services import catalog, criteria, qualification
from leads.services.events import record_engagement_events
from leads.services.handoff import accept_lead, hand_off_lead, reject_lead
from leads.services.leads import upsert_leads
from tests.factories import MembershipFactory, OrganizationFactory, make_token

ROLES = [Role.MARKETER, Role.MARKETING_MANAGER, Role.SALES_REP, Role.SALES_MANAGER, Role.ADMIN]
RULES = [
    {"attribute": "country", "operator": "in", "value": ["DE", "AT", "CH"], "required": True},
    {"attribute": "employees", "operator": "gte", "value": 200, "weight": 60},
    {"attribute": "buying_authority", "operator": "in", "value": ["decision_maker"], "weight": 40},
]


@dataclass
class Tenant:
    org: Organization
    members: dict[str, Membership]
    tokens: dict[str, str]
    # Object kind -> ids of this organization, for the cross-tenant probes.
    ids: dict[str, list[int]] = field(default_factory=dict)


def build_tenant(slug: str, name: str) -> Tenant:
    org = OrganizationFactory(name=name, slug=slug)
    members = {
        role: MembershipFactory(org=org, role=role, user__email=f"{role}@{slug}.test", user__full_name=f"{name} {role}")
        for role in ROLES
    }
    tokens = {role: make_token(member, name="fuzz") for role, member in members.items()}
    marketer, rep = members[Role.MARKETER], members[Role.SALES_REP]
    ensure_default_lists(org=org)

    campaigns = [
        catalog.create_campaign(by=marketer, name=f"{name} webinar", external_id=f"{slug}-webinar", channel="Webinar"),
        catalog.create_campaign(by=marketer, name=f"{name} trade show", external_id=f"{slug}-show", channel="Event"),
    ]
    assets = [
        catalog.create_content_asset(by=marketer, title=f"{name} whitepaper", kind="whitepaper",
                                     external_id=f"{slug}-wp", campaign=campaigns[0]),
        catalog.create_content_asset(by=marketer, title=f"{name} pricing page", kind="product_page",
                                     url=f"https://{slug}.example/pricing", external_id=f"{slug}-pricing"),
    ]  # fmt: skip

    fit = {"country": "DE", "employees": 500, "buying_authority": "decision_maker", "campaign": campaigns[0].pk}
    items = [{"email": f"fit{n}@{slug}-customer.de", "external_id": f"{slug}-fit-{n}", **fit} for n in range(6)]
    items += [{"email": f"small{n}@{slug}-startup.fr", "country": "FR", "employees": 5} for n in range(3)]
    upsert_leads(org=org, items=items)
    now = timezone.now()
    record_engagement_events(
        org=org,
        items=[
            {"lead_external_id": f"{slug}-fit-{n}", "asset": assets[n % 2].pk, "kind": "download",
             "occurred_at": (now - timedelta(days=n + 1)).isoformat(), "external_id": f"{slug}-event-{n}"}
            for n in range(6)
        ],
    )  # fmt: skip

    version = criteria.create_criteria_version(by=marketer)
    criteria.update_criteria_version(
        by=marketer, version=version, name="DACH mid-market", summary="Mid-sized DACH companies",
        min_fit_score=60, min_engagement_score=0, rules=RULES,
    )  # fmt: skip
    criteria.propose_criteria_version(by=marketer, version=version)
    criteria.sign_criteria_version(by=members[Role.MARKETING_MANAGER], version=version)
    criteria.sign_criteria_version(by=members[Role.SALES_MANAGER], version=version)
    for chunk_id in ReevaluationChunk.objects.filter(version=version).values_list("id", flat=True):
        qualification.reevaluate_chunks(chunk_ids=[chunk_id])
    draft = criteria.create_criteria_version(by=marketer, name="Next refresh")

    fit_leads = list(Lead.objects.filter(org=org, external_id__startswith=f"{slug}-fit-").order_by("external_id"))
    for lead in fit_leads[:5]:
        hand_off_lead(lead=lead, by=marketer, rep=rep, note="Asked for pricing")
    accepted, rejected, worked, won = fit_leads[0], fit_leads[1], fit_leads[2], fit_leads[3]
    for lead in (accepted, worked, won):
        accept_lead(lead=lead, by=rep)
    reject_lead(lead=rejected, by=rep, reason="not_ready", note="Budget next year")
    for lead in (worked, won):
        log_follow_up(lead=lead, by=rep, kind="call", outcome="connected", occurred_at=now - timedelta(hours=2),
                      notes="Good call", objections=[], pain_points=["slow onboarding"])  # fmt: skip
    close_lead(lead=won, by=rep, outcome="opportunity", value=12000)

    tenant = Tenant(org=org, members=members, tokens=tokens)
    tenant.ids = {
        "leads": list(Lead.objects.filter(org=org).values_list("id", flat=True)),
        "campaigns": [c.pk for c in campaigns],
        "content-assets": [a.pk for a in assets],
        "criteria-versions": list(CriteriaVersion.objects.filter(org=org).values_list("id", flat=True)),
    }
    assert draft.pk in tenant.ids["criteria-versions"]
    return tenant
