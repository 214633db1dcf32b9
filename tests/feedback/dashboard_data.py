"""A small organization with known answers for the dashboard: two months of leads (March and April
2026, Berlin time), hand-offs made through the services at the moments they happened, outcomes and
verdicts, a rep with no leads, territories, and another tenant's data in the same months.

Answers worked out by hand (Mon-Fri 9-17 business hours) are in the test module; the independent
computations in figures_by_hand.py read the same raw rows.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from accounts.models import Membership, Organization
from accounts.roles import Role
from feedback.models import LossReason
from feedback.services import close_lead, ensure_default_lists, log_follow_up, record_quality_feedback
from leads.models import Campaign, CriteriaVersion, Lead, LeadEvaluation, RoutingRule, RoutingRuleRep
from leads.services.handoff import accept_lead, hand_off_lead, reject_lead
from leads.services.lifecycle import change_lead_status
from tests.factories import MembershipFactory

BERLIN = ZoneInfo("Europe/Berlin")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment of 2026 on Berlin's clock."""
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


@dataclass
class Dataset:
    org: Organization
    rep: Membership
    rep2: Membership
    idle_rep: Membership
    marketer: Membership
    manager: Membership
    spring: Campaign
    partners: Campaign
    v1: CriteriaVersion
    v2: CriteriaVersion
    dach: RoutingRule
    nordics: RoutingRule
    leads: dict[str, Lead] = field(default_factory=dict)


def _lead(org, name: str, created: datetime, source: str, campaign: Campaign | None) -> Lead:
    return Lead.objects.create(
        org=org, email=f"{name}@example.test", first_name=name.title(), source=source, campaign=campaign,
        created_at=created, updated_at=created,
    )  # fmt: skip


def _qualify(lead: Lead, by: Membership, when: datetime, version: CriteriaVersion, fit: int) -> Lead:
    LeadEvaluation.objects.create(lead=lead, org_id=lead.org_id, version=version, fit_score=fit, engagement_score=20,
                                  qualified=True, evaluated_at=when)  # fmt: skip
    Lead.objects.filter(pk=lead.pk).update(fit_score=fit, criteria_version=version)
    lead.refresh_from_db()
    return change_lead_status(lead=lead, to=Lead.Status.MQL, by=by, at=when, note="Qualified")


def _hand_off(lead: Lead, by: Membership, rep: Membership, when: datetime) -> Lead:
    with time_machine.travel(when, tick=False):
        hand_off_lead(lead=lead, by=by, rep=rep)
    lead.refresh_from_db()
    return lead


def _do(when: datetime, action, **kwargs):
    with time_machine.travel(when, tick=False):
        return action(**kwargs)


def build(
    org: Organization, *, marketer: Membership, rep: Membership, rep2: Membership, manager: Membership
) -> Dataset:
    ensure_default_lists(org=org)
    idle_rep = MembershipFactory(org=org, role=Role.SALES_REP, user__full_name="Nora Noleads")
    author = marketer
    v1 = CriteriaVersion.objects.create(org=org, number=1, name="First", status="retired", created_by=author)
    v2 = CriteriaVersion.objects.create(org=org, number=2, name="Second", status="active", created_by=author)
    spring = Campaign.objects.create(org=org, name="Spring launch")
    partners = Campaign.objects.create(org=org, name="Partner days")
    dach = RoutingRule.objects.create(org=org, name="DACH", position=1, countries=["DE"])
    nordics = RoutingRule.objects.create(org=org, name="Nordics", position=2, countries=["SE"])
    for rule, member in ((dach, rep), (dach, idle_rep), (nordics, rep2)):
        RoutingRuleRep.objects.create(org=org, rule=rule, member=member)
    price = LossReason.objects.get(org=org, name="Price")
    data = Dataset(org, rep, rep2, idle_rep, marketer, manager, spring, partners, v1, v2, dach, nordics)
    leads = data.leads

    # Alpha: accepted, worked, won in March by Rita.
    leads["alpha"] = lead = _lead(org, "alpha", at(3, 2, 9), "Webinar", spring)
    lead = _qualify(lead, marketer, at(3, 3), v2, 85)
    lead = _hand_off(lead, marketer, rep, at(3, 4, 10))
    _do(at(3, 4, 12), accept_lead, lead=lead, by=rep)
    _do(at(3, 4, 12, 5), record_quality_feedback, lead=lead, by=rep, fit=4, ready_to_talk=True, brief_useful=True)
    _do(at(3, 5, 10, 1), log_follow_up, lead=lead, by=rep, kind="call", outcome="connected", occurred_at=at(3, 5, 10))
    _do(at(3, 10), close_lead, lead=lead, by=rep, outcome="opportunity", value="5000")
    _do(at(3, 20), close_lead, lead=lead, by=rep, outcome="won", value="5000")

    # Bravo: rejected (not a fit) by Rita in March.
    leads["bravo"] = lead = _lead(org, "bravo", at(3, 2, 11), "Webinar", spring)
    lead = _qualify(lead, marketer, at(3, 5, 9), v2, 30)
    lead = _hand_off(lead, marketer, rep, at(3, 5, 9, 30))
    _do(at(3, 6, 15, 30), reject_lead, lead=lead, by=rep, reason="not_a_fit")
    _do(at(3, 6, 15, 35), record_quality_feedback, lead=lead, by=rep, fit=2, ready_to_talk=False, brief_useful=True)

    # Charlie: accepted and worked by Rafael, lost at the end of March.
    leads["charlie"] = lead = _lead(org, "charlie", at(3, 10, 9), "Referral", partners)
    lead = _qualify(lead, marketer, at(3, 11, 9), v1, 65)
    lead = _hand_off(lead, marketer, rep2, at(3, 11, 10))
    _do(at(3, 11, 16), accept_lead, lead=lead, by=rep2)
    _do(at(3, 12, 9, 31), log_follow_up, lead=lead, by=rep2, kind="email", outcome="connected",
        occurred_at=at(3, 12, 9, 30))  # fmt: skip
    _do(at(3, 25), close_lead, lead=lead, by=rep2, outcome="lost", loss_reason=price.pk)

    # Delta: created in March, qualified, handed off and accepted in April; never worked.
    leads["delta"] = lead = _lead(org, "delta", at(3, 28), "Referral", None)
    lead = _qualify(lead, marketer, at(4, 2, 9), v2, 70)
    lead = _hand_off(lead, marketer, rep2, at(4, 2, 10))
    _do(at(4, 3, 10), accept_lead, lead=lead, by=rep2)

    # Echo: handed to Rita in April, not answered.
    leads["echo"] = lead = _lead(org, "echo", at(4, 5), "Webinar", partners)
    lead = _qualify(lead, marketer, at(4, 6, 9), v2, 50)
    _hand_off(lead, marketer, rep, at(4, 7, 9))

    # Foxtrot: a new lead that never qualified.
    leads["foxtrot"] = _lead(org, "foxtrot", at(3, 20), "Webinar", spring)

    # Golf: qualified by the old version, won in April by Rita.
    leads["golf"] = lead = _lead(org, "golf", at(4, 10), "Referral", spring)
    lead = _qualify(lead, marketer, at(4, 11), v1, 90)
    lead = _hand_off(lead, marketer, rep, at(4, 13, 10))
    _do(at(4, 13, 11), accept_lead, lead=lead, by=rep)
    _do(at(4, 13, 13, 1), log_follow_up, lead=lead, by=rep, kind="meeting", outcome="meeting_booked",
        occurred_at=at(4, 13, 13))  # fmt: skip
    _do(at(4, 20), close_lead, lead=lead, by=rep, outcome="opportunity", value="12000")
    _do(at(4, 28), close_lead, lead=lead, by=rep, outcome="won")

    # Hotel and India: just either side of midnight between March and April in Berlin.
    leads["hotel"] = _lead(org, "hotel", datetime(2026, 3, 31, 22, 30, tzinfo=UTC), "Webinar", None)
    leads["india"] = _lead(org, "india", datetime(2026, 3, 31, 21, 30, tzinfo=UTC), "Referral", partners)

    # Juliet: accepted and worked by Rafael in April, lost.
    leads["juliet"] = lead = _lead(org, "juliet", at(4, 1), "Webinar", partners)
    lead = _qualify(lead, marketer, at(4, 1, 11), v2, 20)
    lead = _hand_off(lead, marketer, rep2, at(4, 1, 12))
    _do(at(4, 1, 13), accept_lead, lead=lead, by=rep2)
    _do(at(4, 2, 9, 1), log_follow_up, lead=lead, by=rep2, kind="call", outcome="not_interested",
        occurred_at=at(4, 2, 9))  # fmt: skip
    _do(at(4, 15), close_lead, lead=lead, by=rep2, outcome="lost", loss_reason=price.pk)
    for name, lead in leads.items():
        leads[name] = Lead.objects.get(pk=lead.pk)
    return data


def build_other_tenant(org: Organization) -> Campaign:
    """Globex: its own lead, won in March, and a campaign of its own (whose id Acme must not use)."""
    ensure_default_lists(org=org)
    marketer = MembershipFactory(org=org, role=Role.MARKETER)
    rep = MembershipFactory(org=org, role=Role.SALES_REP)
    version = CriteriaVersion.objects.create(org=org, number=1, name="Theirs", status="active", created_by=marketer)
    campaign = Campaign.objects.create(org=org, name="Globex summit")
    for n in range(3):
        lead = _lead(org, f"globex{n}", at(3, 2 + n), "Webinar", campaign)
        lead = _qualify(lead, marketer, at(3, 9), version, 95)
        lead = _hand_off(lead, marketer, rep, at(3, 10))
        _do(at(3, 10, 11), accept_lead, lead=lead, by=rep)
        _do(
            at(3, 11, 9, 1),
            log_follow_up,
            lead=lead,
            by=rep,
            kind="call",
            outcome="connected",
            occurred_at=at(3, 11, 9),
        )
        _do(at(3, 12), close_lead, lead=lead, by=rep, outcome="opportunity", value=str(Decimal(1000)))
        _do(at(3, 13), close_lead, lead=lead, by=rep, outcome="won")
    return campaign
