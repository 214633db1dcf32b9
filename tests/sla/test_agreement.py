import threading
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from accounts.models import Notification
from accounts.roles import Role
from feedback.services import ensure_default_lists, log_follow_up
from leads.models import Lead
from leads.services.handoff import accept_lead, hand_off_lead, reject_lead
from leads.services.leads import upsert_leads
from sla.models import Agreement, ClockNotice, ComplianceSnapshot, LeadClock
from sla.services.agreements import (
    create_agreement,
    propose_agreement,
    send_back_agreement,
    sign_agreement,
    update_agreement,
)
from sla.services.clocks import sweep_clocks
from sla.services.compliance import compute_compliance
from smarketing.errors import DomainError, NotAllowed
from tests.conftest import api_client
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
S = Lead.Status
State = LeadClock.State
# Monday 2 March 2026, 10:00 in Berlin (09:00 UTC); the org works Mon-Fri 9-17 there.
MONDAY_10 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OBJECTIVES = [
    {"metric": "response_time", "target": 90, "hours": 4},
    {"metric": "first_touch_time", "target": 80, "hours": 8},
    {"metric": "follow_ups", "target": 70, "count": 2, "days": 7},
    {"metric": "mqls_delivered", "target": 50},
    {"metric": "close_rate", "target": 20},
]


@pytest.fixture
def agreement(acme, marketing_manager, sales_manager):
    acme.business_day_start, acme.business_day_end = time(9), time(17)
    acme.save()
    draft = create_agreement(by=sales_manager)
    update_agreement(by=sales_manager, agreement=draft, name="Q2 SLA", summary="", at_risk_share=0.75,
                     objectives=OBJECTIVES)  # fmt: skip
    propose_agreement(by=sales_manager, agreement=draft)
    sign_agreement(by=marketing_manager, agreement=draft)
    sign_agreement(by=sales_manager, agreement=draft)
    draft.refresh_from_db()
    return draft


def mql(org, email="ready@initech.de") -> Lead:
    upsert_leads(org=org, items=[{"email": email, "country": "DE"}])
    Lead.objects.filter(org=org, email=email).update(status=S.MQL)
    return Lead.objects.get(org=org, email=email)


def test_an_agreement_is_active_only_with_both_signatures_and_says_its_promises(acme, agreement):
    assert agreement.status == Agreement.Status.ACTIVE
    statements = list(agreement.objectives.values_list("statement", flat=True))
    assert (
        statements[0]
        == "Sales accepts or rejects a hand-off within 4 business hours (at least 90% of hand-offs each month)."
    )
    assert list(agreement.objectives.values_list("side", flat=True)) == [
        "sales",
        "sales",
        "sales",
        "marketing",
        "sales",
    ]


def test_only_managers_sign_and_a_send_back_needs_a_reason(acme, marketing_manager, rep, sales_manager):
    draft = create_agreement(by=marketing_manager)
    update_agreement(by=marketing_manager, agreement=draft, name="x", summary="", at_risk_share=0.75,
                     objectives=OBJECTIVES[:1])  # fmt: skip
    propose_agreement(by=marketing_manager, agreement=draft)
    with pytest.raises(NotAllowed):
        sign_agreement(by=rep, agreement=draft)
    with pytest.raises(DomainError):
        send_back_agreement(by=sales_manager, agreement=draft, comment="")
    send_back_agreement(by=sales_manager, agreement=draft, comment="4 hours is too tight on Mondays")
    draft.refresh_from_db()
    assert draft.status == Agreement.Status.DRAFT


@pytest.mark.parametrize(
    ("objective", "message"),
    [
        ({"metric": "response_time", "target": 90}, "business hours"),
        ({"metric": "response_time", "target": 190, "hours": 4}, "1 to 100"),
        ({"metric": "follow_ups", "target": 50, "count": 2}, "within how many days"),
        ({"metric": "telepathy", "target": 5}, "what is measured"),
    ],
)
def test_incomplete_objectives_are_refused_with_the_reason(acme, marketing_manager, objective, message):
    draft = create_agreement(by=marketing_manager)
    with pytest.raises(DomainError) as refused:
        update_agreement(by=marketing_manager, agreement=draft, name="x", summary="", at_risk_share=0.75,
                         objectives=[objective])  # fmt: skip
    assert message in refused.value.fields["objectives.0"][0]


def test_a_handoff_starts_a_response_clock_in_business_hours(acme, agreement, marketer, rep):
    with time_machine.travel(datetime(2026, 3, 6, 15, 0, tzinfo=UTC), tick=False):  # Friday 16:00 Berlin
        hand_off_lead(lead=mql(acme), by=marketer, rep=rep)
    clock = LeadClock.objects.get()
    # One hour left on Friday, three on Monday morning: due Monday 12:00 Berlin.
    assert clock.due_at == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
    assert clock.at_risk_at == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # 75% of 4 business hours
    assert (clock.state, clock.owner) == (State.ON_TRACK, rep)


def test_clocks_move_exactly_at_their_boundaries_and_notify_once(acme, agreement, marketer, rep, sales_manager):
    with time_machine.travel(MONDAY_10, tick=False):
        hand_off_lead(lead=mql(acme), by=marketer, rep=rep)
    clock = LeadClock.objects.get()
    just_before = clock.at_risk_at - timedelta(seconds=1)
    assert sweep_clocks(now=just_before) == 0
    assert sweep_clocks(now=clock.at_risk_at) == 1
    clock.refresh_from_db()
    assert (clock.state, clock.next_check_at) == (State.AT_RISK, clock.due_at)
    assert sweep_clocks(now=clock.due_at - timedelta(seconds=1)) == 0
    assert sweep_clocks(now=clock.due_at) == 1
    clock.refresh_from_db()
    assert (clock.state, clock.next_check_at, clock.breached_at) == (State.BREACHED, None, clock.due_at)
    assert sweep_clocks(now=clock.due_at + timedelta(hours=5)) == 0
    notices = Notification.objects.filter(kind__in=["sla_at_risk", "sla_breached"])
    assert sorted((n.recipient_id, n.kind) for n in notices) == sorted(
        [(rep.pk, "sla_at_risk"), (rep.pk, "sla_breached"), (sales_manager.pk, "sla_breached")]
    )


def test_an_answer_in_time_meets_the_clock_and_a_late_one_is_a_breach(acme, agreement, marketer, rep):
    with time_machine.travel(MONDAY_10, tick=False):
        hand_off_lead(lead=mql(acme, "a@co.de"), by=marketer, rep=rep)
        hand_off_lead(lead=mql(acme, "b@co.de"), by=marketer, rep=rep)
    with time_machine.travel(MONDAY_10 + timedelta(hours=2), tick=False):
        accept_lead(lead=Lead.objects.get(email="a@co.de"), by=rep)
    with time_machine.travel(MONDAY_10 + timedelta(hours=6), tick=False):
        reject_lead(lead=Lead.objects.get(email="b@co.de"), by=rep, reason="not_ready")
    on_a = LeadClock.objects.get(lead__email="a@co.de", objective__metric="response_time")
    on_b = LeadClock.objects.get(lead__email="b@co.de")
    assert on_a.state == State.MET and on_a.met_at == MONDAY_10 + timedelta(hours=2)
    assert on_b.state == State.ON_TRACK  # answered late: the sweep breaches it
    sweep_clocks(now=MONDAY_10 + timedelta(hours=6, minutes=1))
    on_b.refresh_from_db()
    assert on_b.state == State.BREACHED
    started = LeadClock.objects.filter(lead__email="a@co.de").exclude(objective__metric="response_time")
    assert sorted(started.values_list("objective__metric", flat=True)) == ["first_touch_time", "follow_ups"]


def test_follow_ups_meet_the_first_touch_and_the_follow_up_clocks(acme, agreement, marketer, rep):
    ensure_default_lists(org=acme)
    with time_machine.travel(MONDAY_10, tick=False):
        lead = mql(acme)
        hand_off_lead(lead=lead, by=marketer, rep=rep)
        accept_lead(lead=lead, by=rep)
    with time_machine.travel(MONDAY_10 + timedelta(hours=3), tick=False):
        log_follow_up(lead=lead, by=rep, kind="call", outcome="no_answer", occurred_at=MONDAY_10 + timedelta(hours=3))
    states = dict(LeadClock.objects.filter(lead=lead).values_list("objective__metric", "state"))
    assert states == {"response_time": "met", "first_touch_time": "met", "follow_ups": "on_track"}
    with time_machine.travel(MONDAY_10 + timedelta(days=2), tick=False):
        log_follow_up(lead=lead, by=rep, kind="email", outcome="connected", occurred_at=MONDAY_10 + timedelta(days=2))
    assert LeadClock.objects.get(lead=lead, objective__metric="follow_ups").state == State.MET


def test_a_rerun_sweep_sends_nothing_twice(acme, agreement, marketer, rep):
    with time_machine.travel(MONDAY_10, tick=False):
        hand_off_lead(lead=mql(acme), by=marketer, rep=rep)
    clock = LeadClock.objects.get()
    sweep_clocks(now=clock.due_at + timedelta(minutes=1))
    # As if the job had crashed after sending and is retried: the clock is put back, the notices stay.
    LeadClock.objects.update(state=State.ON_TRACK, next_check_at=clock.at_risk_at)
    sweep_clocks(now=clock.due_at + timedelta(minutes=2))
    assert ClockNotice.objects.count() == 2
    assert Notification.objects.filter(kind="sla_breached").count() == 2  # the rep, and the sales manager


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_notify_each_clock_once(acme):
    marketing, sales = (MembershipFactory(org=acme, role=role) for role in ("marketing_manager", "sales_manager"))
    marketer = MembershipFactory(org=acme, role=Role.MARKETER)
    reps = [MembershipFactory(org=acme, role=Role.SALES_REP) for _ in range(3)]
    draft = create_agreement(by=sales)
    update_agreement(by=sales, agreement=draft, name="x", summary="", at_risk_share=0.5, objectives=OBJECTIVES[:1])
    propose_agreement(by=sales, agreement=draft)
    sign_agreement(by=marketing, agreement=draft)
    sign_agreement(by=sales, agreement=draft)
    with time_machine.travel(MONDAY_10, tick=False):
        for n in range(60):
            hand_off_lead(lead=mql(acme, f"p{n}@co.de"), by=marketer, rep=reps[n % 3])
    later = MONDAY_10 + timedelta(days=3)
    barrier, counts = threading.Barrier(2), []

    def sweep():
        barrier.wait()
        try:
            counts.append(sweep_clocks(now=later))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sum(counts) == 60
    assert ClockNotice.objects.filter(kind="breached").count() == 60
    assert Notification.objects.filter(kind="sla_breached", recipient__role=Role.SALES_REP).count() == 60
    assert Notification.objects.filter(kind="sla_breached", recipient=sales).count() == 60


def test_compliance_agrees_with_an_independent_count_and_reruns_give_the_same_rows(
    acme, agreement, marketer, rep, rep2
):
    with time_machine.travel(MONDAY_10, tick=False):
        leads = [mql(acme, f"p{n}@co.de") for n in range(6)]
        for n, lead in enumerate(leads):
            hand_off_lead(lead=lead, by=marketer, rep=rep if n % 2 else rep2)
    with time_machine.travel(MONDAY_10 + timedelta(hours=1), tick=False):
        for lead in leads[:4]:
            accept_lead(lead=Lead.objects.get(pk=lead.pk), by=Lead.objects.get(pk=lead.pk).owner)
    sweep_clocks(now=MONDAY_10 + timedelta(days=2))
    objective = agreement.objectives.get(metric="response_time")
    compute_compliance(objective=objective, start=MONDAY_10.date().replace(day=1))
    first = list(ComplianceSnapshot.objects.order_by("scope", "member_id_key").values())
    compute_compliance(objective=objective, start=MONDAY_10.date().replace(day=1))
    again = list(ComplianceSnapshot.objects.order_by("scope", "member_id_key").values())
    assert [{k: v for k, v in row.items() if k != "computed_at"} for row in first] == [
        {k: v for k, v in row.items() if k != "computed_at"} for row in again
    ]
    org = ComplianceSnapshot.objects.get(scope="org")
    clocks = LeadClock.objects.filter(objective=objective)
    met, ended = clocks.filter(state="met").count(), clocks.filter(state__in=["met", "breached"]).count()
    assert (org.numerator, org.denominator, org.value) == (met, ended, round(100 * met / ended, 1)) == (4, 6, 66.7)
    assert org.met is False
    per_rep = {s.member_id: (s.numerator, s.denominator) for s in ComplianceSnapshot.objects.filter(scope="rep")}
    assert per_rep == {rep.pk: (2, 3), rep2.pk: (2, 3)}


def test_the_metrics_api_reports_the_figures_of_the_period(acme, agreement, marketer, rep, globex_admin):
    with time_machine.travel(MONDAY_10, tick=False):
        hand_off_lead(lead=mql(acme), by=marketer, rep=rep)
    sweep_clocks(now=MONDAY_10 + timedelta(days=1))
    for objective in agreement.objectives.all():
        compute_compliance(objective=objective, start=MONDAY_10.date().replace(day=1))
    body = api_client(marketer).get(reverse("api:metrics-sla"), {"from": "2026-03-01", "to": "2026-03-31"}).json()
    response = next(o for o in body["objectives"] if o["metric"] == "response_time")
    assert response["periods"][0]["org"] == {"numerator": 0, "denominator": 1, "value": 0.0, "met": False}
    assert response["statement"].startswith("Sales accepts or rejects")
    assert api_client(globex_admin).get(reverse("api:metrics-sla")).json()["objectives"] == []
    bad = api_client(marketer).get(reverse("api:metrics-sla"), {"from": "yesterday"})
    assert bad.status_code == 400
