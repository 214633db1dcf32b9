"""A data set for the meeting packs whose answers were counted by hand (tests/feedback/test_reports.py,
tests/feedback/test_report_api.py).

Acme runs three campaigns: "Webinars" (six leads, w1-w6), "Trade show" (six leads, t1-t6) and
"Dormant" (running, no leads). Everything goes through the services, at the moments below
(Europe/Berlin):

  May 1   criteria version 1 signed: country DE/AT (required), employees >= 200, buying authority
  May 4   the twelve leads come in;  May 5 w1-w6 and t1 download "Churn guide", t1-t6 view "Pricing page"
  May 6   all twelve qualify;  May 7 all handed off (w1-w6, t1-t3 to Rita; t4-t6 to Rafael)
  May 8   accepted: w1-w5, t1-t3; rejected: w6 not a fit, t4 not a fit, t5 bad data, t6 not ready
          verdicts: w1 fit 5 (ready, useful), w2 fit 4 (ready, brief not useful), w6 fit 1 (useful,
          "Employees" wrong), t1 fit 4 (ready, useful, "Buying authority" wrong), t4 fit 2 (both wrong)
  May 11  w1 call: Price, pain "slow reporting";  May 12 w2 call: Price + Timing;  May 13 t1 meeting:
          Competitor, pains "Slow Reporting", "audit trail"
  May 20-22  opportunities w1 (10,000), w2 (5,000), t1 (8,000);  May 25 w1 won 12,000 (Churn guide,
          "ROI workshop")
  June 2  w3 call: Timing;  June 3 w2 lost (Price, Salesforce);  June 5 w3 lost (Timing);
  June 10 t1 won at its opportunity value ("roi workshop ");  June 20 w2 views "Pricing page"

Globex, another tenant, hears a Price objection and a pain point in May: never counted for Acme.
"""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from accounts.roles import Role
from feedback.reports.tables import csv_value
from feedback.services import close_lead, ensure_default_lists, log_follow_up, record_quality_feedback
from leads.models import Campaign, ContentAsset, Lead
from leads.services.events import record_engagement_events
from leads.services.handoff import accept_lead, hand_off_lead, reject_lead
from leads.services.leads import upsert_leads
from leads.services.qualification import evaluate_leads
from tests.factories import MembershipFactory
from tests.leads.test_qualification import activate

BERLIN = ZoneInfo("Europe/Berlin")
RULES = [
    {"attribute": "country", "operator": "in", "value": ["DE", "AT"], "required": True},
    {"attribute": "employees", "operator": "gte", "value": 200, "weight": 50},
    {"attribute": "buying_authority", "operator": "in", "value": ["decision_maker", "influencer"], "weight": 50},
]
EMPLOYEES = "Employees ≥ 200"
AUTHORITY = "Buying authority is one of decision maker, influencer"
TODAY = datetime(2026, 7, 15, 12, 0, tzinfo=BERLIN)


def at(month: int, day: int, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(datetime(2026, month, day, hour, 0, tzinfo=BERLIN), tick=False)


def moment(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=BERLIN)


class World:
    """Acme's people and things, by the names the docstring uses."""

    def __init__(self, **items):
        self.__dict__.update(items)


def campaign_leads(org, campaign, prefix: str, source: str, **extra) -> list[Lead]:
    items = [{"email": f"{prefix}{n}@{prefix}.example", "country": "DE", "employees": 300, "source": source,
              "buying_authority": "decision_maker", "campaign": campaign.pk, **extra} for n in range(1, 7)]  # fmt: skip
    upsert_leads(org=org, items=items)
    return [Lead.objects.get(org=org, email=item["email"]) for item in items]


def globex_objection(org) -> None:
    globex_marketer = MembershipFactory(org=org, role=Role.MARKETER)
    globex_rep = MembershipFactory(org=org, role=Role.SALES_REP)
    ensure_default_lists(org=org)
    with at(5, 6):
        upsert_leads(org=org, items=[{"email": "buyer@globex.example", "country": "DE"}])
        lead = Lead.objects.get(org=org)
        Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.MQL)
        hand_off_lead(lead=lead, by=globex_marketer, rep=globex_rep)
        accept_lead(lead=lead, by=globex_rep)
    with at(5, 12):
        log_follow_up(lead=lead, by=globex_rep, kind="call", outcome="connected", occurred_at=moment(5, 12),
                      objections=[{"reason": "Price"}], pain_points=["slow reporting"])  # fmt: skip
    Campaign.objects.create(org=org, name="Globex launch", created_at=moment(5, 1))


def build_world(acme, globex, *, marketer, rep, rep2, marketing_manager, sales_manager) -> World:
    """Acme's month of May and June as the docstring tells it, and Globex's objection."""
    ensure_default_lists(org=acme)
    with at(5, 1):
        version = activate(marketer, [marketing_manager, sales_manager], rules=RULES, min_fit=0)
        webinars = Campaign.objects.create(org=acme, name="Webinars")
        trade_show = Campaign.objects.create(org=acme, name="Trade show")
        dormant = Campaign.objects.create(org=acme, name="Dormant")
        churn = ContentAsset.objects.create(org=acme, title="Churn guide", campaign=webinars,
                                            topics=["slow reporting"])  # fmt: skip
        pricing = ContentAsset.objects.create(org=acme, title="Pricing page", campaign=trade_show)
    with at(5, 4):
        w = campaign_leads(acme, webinars, "w", "Webinar", current_supplier="Spreadsheets")
        t = campaign_leads(acme, trade_show, "t", "Trade show")
    with at(5, 5):
        touches = [(lead, churn) for lead in [*w, t[0]]] + [(lead, pricing) for lead in t]
        record_engagement_events(org=acme, items=[
            {"lead": lead.pk, "asset": asset.pk, "kind": "download", "occurred_at": moment(5, 5, 9).isoformat()}
            for lead, asset in touches
        ])  # fmt: skip
    with at(5, 6):
        evaluate_leads(version=version, lead_ids=[lead.pk for lead in w + t])
    with at(5, 7):
        for lead in w + t[:3]:
            hand_off_lead(lead=lead, by=marketer, rep=rep)
        for lead in t[3:]:
            hand_off_lead(lead=lead, by=marketer, rep=rep2)
    with at(5, 8):
        for lead in w[:5] + t[:3]:
            accept_lead(lead=lead, by=rep)
        reject_lead(lead=w[5], by=rep, reason="not_a_fit")
        reject_lead(lead=t[3], by=rep2, reason="not_a_fit")
        reject_lead(lead=t[4], by=rep2, reason="bad_data")
        reject_lead(lead=t[5], by=rep2, reason="not_ready")
        verdicts = [(w[0], rep, 5, True, True, []), (w[1], rep, 4, True, False, []),
                    (w[5], rep, 1, False, True, [EMPLOYEES]), (t[0], rep, 4, True, True, [AUTHORITY]),
                    (t[3], rep2, 2, False, False, [EMPLOYEES, AUTHORITY])]  # fmt: skip
        for lead, by, fit, ready, useful, wrong in verdicts:
            record_quality_feedback(lead=lead, by=by, fit=fit, ready_to_talk=ready, brief_useful=useful,
                                    wrong_criteria=wrong)  # fmt: skip
    calls = [(w[0], 5, 11, ["Price"], ["slow reporting"]), (w[1], 5, 12, ["Price", "Timing"], []),
             (t[0], 5, 13, ["Competitor"], ["Slow Reporting", "audit trail"]),
             (w[2], 6, 2, ["Timing"], [])]  # fmt: skip
    for lead, month, day, objections, pains in calls:
        with at(month, day):
            log_follow_up(lead=lead, by=rep, kind="call", outcome="connected", occurred_at=moment(month, day),
                          objections=[{"reason": r} for r in objections], pain_points=pains)  # fmt: skip
    for lead, day, value in ((w[0], 20, 10000), (w[1], 21, 5000), (t[0], 22, 8000)):
        with at(5, day):
            close_lead(lead=lead, by=rep, outcome="opportunity", value=value)
    with at(5, 25):
        close_lead(lead=w[0], by=rep, outcome="won", value=12000, helped_asset=churn, helped_tactic="ROI workshop")
    with at(6, 3):
        close_lead(lead=w[1], by=rep, outcome="lost", loss_reason="Price", competitor="Salesforce")
    with at(6, 5):
        close_lead(lead=w[2], by=rep, outcome="lost", loss_reason="Timing")
    with at(6, 10):
        close_lead(lead=t[0], by=rep, outcome="won", helped_tactic="roi workshop ")
    with at(6, 20):
        record_engagement_events(org=acme, items=[{"lead": w[1].pk, "asset": pricing.pk, "kind": "view",
                                                   "occurred_at": moment(6, 20).isoformat()}])  # fmt: skip
    globex_objection(globex)
    return World(version=version, webinars=webinars, trade_show=trade_show, dormant=dormant, churn=churn,
                 pricing=pricing, w=w, t=t)  # fmt: skip


def csv_of(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def as_csv(table) -> list[list[str]]:
    """The table's rows as the CSV writer must write them."""
    return [[str(csv_value(v)) for v in row] for row in table.csv_rows()]
