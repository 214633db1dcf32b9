import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.roles import Role
from accounts.tasks import send_notification_email_task
from feedback.models import FollowUp, Objection, Outcome, QualityFeedback
from feedback.services import close_lead, ensure_default_lists, log_follow_up, record_quality_feedback
from leads.models import HandOff, Lead, LeadStatusChange, RoutingRule
from leads.services.handoff import accept_lead, hand_off_lead, reject_lead, save_routing_rule
from leads.services.leads import upsert_leads
from leads.services.lifecycle import TRANSITIONS, IllegalTransition, change_lead_status
from leads.tasks import evaluate_pending_task
from smarketing.errors import Conflict, DomainError, NotAllowed
from tests.conftest import api_client
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
S = Lead.Status


def mql(org, email="ready@initech.de", **fields) -> Lead:
    upsert_leads(org=org, items=[{"email": email, "country": "DE", "employees": 300, **fields}])
    lead = Lead.objects.get(org=org, email=email)
    Lead.objects.filter(pk=lead.pk).update(status=S.MQL)
    lead.refresh_from_db()
    return lead


@pytest.mark.parametrize(("current", "target"), [(c, t) for c in S.values for t in S.values if c != t])
def test_every_transition_is_allowed_or_refused_as_the_lead_life_says(acme, marketer, current, target):
    lead = Lead.objects.create(org=acme, email="x@y.test", status=current)
    if target in TRANSITIONS[current]:
        change_lead_status(lead=lead, to=target, by=marketer, note="step")
        lead.refresh_from_db()
        assert lead.status == target
        assert LeadStatusChange.objects.get(lead=lead).to_status == target
    else:
        with pytest.raises(IllegalTransition):
            change_lead_status(lead=lead, to=target, by=marketer)
        lead.refresh_from_db()
        assert lead.status == current
        assert not LeadStatusChange.objects.filter(lead=lead).exists()


def test_a_handoff_freezes_the_brief_and_tells_the_rep(acme, marketer, rep, django_capture_on_commit_callbacks):
    lead = mql(acme, pain_points=["slow onboarding"], current_supplier="Spreadsheets")
    with django_capture_on_commit_callbacks(execute=True):
        handoff = hand_off_lead(lead=lead, by=marketer, rep=rep, note="Asked for pricing at the booth")
    lead.refresh_from_db()
    assert (lead.status, lead.owner, lead.handed_off_at) == (S.HANDED_OFF, rep, handoff.handed_off_at)
    assert handoff.routing == f"named by {marketer.name}"
    assert handoff.brief["pain_points"] == ["slow onboarding"]
    assert handoff.brief["note"] == "Asked for pricing at the booth"
    upsert_leads(org=acme, items=[{"email": lead.email, "pain_points": ["something else"], "current_supplier": "X"}])
    handoff.refresh_from_db()
    assert handoff.brief["pain_points"] == ["slow onboarding"] and handoff.brief["current_supplier"] == "Spreadsheets"
    notice = Notification.objects.get(recipient=rep)
    assert notice.kind == Notification.Kind.LEAD_ASSIGNED and notice.link == f"/inbox/{lead.pk}/"
    assert notice.by_email
    send_notification_email_task(notice.pk)
    assert [m.to for m in mail.outbox] == [[rep.email]]
    assert "New lead for you" in mail.outbox[0].subject


def test_a_double_clicked_handoff_happens_once(acme, marketer, rep):
    lead = mql(acme)
    hand_off_lead(lead=lead, by=marketer, rep=rep)
    with pytest.raises(Conflict):
        hand_off_lead(lead=lead, by=marketer, rep=rep)
    assert HandOff.objects.count() == 1


def test_only_sales_people_of_the_org_can_receive_a_lead(acme, marketer, marketing_manager, globex_admin):
    lead = mql(acme)
    for wrong in (marketing_manager, globex_admin):
        with pytest.raises(DomainError):
            hand_off_lead(lead=lead, by=marketer, rep=wrong)
    lead.refresh_from_db()
    assert lead.status == S.MQL


def test_a_routing_rule_takes_sales_reps_only_since_only_reps_are_routed_leads(acme, sales_manager, rep):
    with pytest.raises(DomainError) as refused:
        save_routing_rule(by=sales_manager, rule=None, rep_ids=[rep.pk, sales_manager.pk], name="DACH", position=1,
                          countries=["DE"], industries=[], min_employees=None, max_employees=None)  # fmt: skip
    assert "reps" in refused.value.fields
    assert not RoutingRule.objects.filter(org=acme).exists()


def test_routing_follows_the_territory_round_robin_and_skips_away_and_full_reps(acme, marketer, sales_manager):
    reps = [MembershipFactory(org=acme, role=Role.SALES_REP) for _ in range(3)]
    save_routing_rule(by=sales_manager, rule=None, rep_ids=[r.pk for r in reps], name="DACH", position=1,
                      countries=["DE", "AT", "CH"], industries=[], min_employees=None, max_employees=None)  # fmt: skip
    chosen = []
    for n in range(6):
        lead = mql(acme, email=f"p{n}@co.de")
        chosen.append(hand_off_lead(lead=lead, by=marketer).rep)
    assert chosen == reps + reps
    reps[0].is_away = True
    reps[0].save(update_fields=["is_away"])
    reps[1].max_open_leads = 2
    reps[1].save(update_fields=["max_open_leads"])
    handoff = hand_off_lead(lead=mql(acme, email="next@co.de"), by=marketer)
    assert handoff.rep == reps[2]
    assert handoff.routing.startswith("territory DACH, round-robin")
    handoff = hand_off_lead(lead=mql(acme, email="after@co.de"), by=marketer)
    assert handoff.rep == reps[2]
    assert f"{reps[0].name} away" in handoff.routing and f"{reps[1].name} at capacity" in handoff.routing


def test_a_lead_no_territory_matches_goes_to_every_rep_in_turn(acme, marketer, rep, rep2):
    RoutingRule.objects.create(org=acme, name="Nordics", countries=["SE"])
    reps = {hand_off_lead(lead=mql(acme, email=f"p{n}@co.de"), by=marketer).rep for n in range(4)}
    assert reps == {rep, rep2}


def test_when_every_rep_is_away_the_handoff_is_refused_and_nothing_changes(acme, marketer, rep):
    rep.is_away = True
    rep.save(update_fields=["is_away"])
    lead = mql(acme)
    with pytest.raises(Conflict, match="away or at capacity"):
        hand_off_lead(lead=lead, by=marketer)
    lead.refresh_from_db()
    assert lead.status == S.MQL and not HandOff.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_handoffs_stay_in_the_org_under_capacity_and_spread_evenly(acme, globex):
    marketer = MembershipFactory(org=acme, role=Role.MARKETER)
    reps = [MembershipFactory(org=acme, role=Role.SALES_REP, max_open_leads=20) for _ in range(3)]
    MembershipFactory(org=globex, role=Role.SALES_REP)
    leads = [mql(acme, email=f"p{n}@co.de") for n in range(50)]
    barrier, errors = threading.Barrier(10), []

    def work(batch):
        barrier.wait()
        try:
            for lead in batch:
                hand_off_lead(lead=lead, by=marketer)
        except Exception as error:  # any failure is what this test looks for
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(leads[n::10],)) for n in range(10)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    owners = Counter(Lead.objects.filter(org=acme, status=S.HANDED_OFF).values_list("owner_id", flat=True))
    assert set(owners) <= {r.pk for r in reps}
    assert sum(owners.values()) == 50
    assert max(owners.values()) <= 20
    assert max(owners.values()) - min(owners.values()) <= 1


@pytest.mark.django_db(transaction=True)
def test_of_many_people_accepting_at_once_exactly_one_wins_every_round(acme):
    marketer = MembershipFactory(org=acme, role=Role.MARKETER)
    rep = MembershipFactory(org=acme, role=Role.SALES_REP)
    managers = [MembershipFactory(org=acme, role=Role.SALES_MANAGER) for _ in range(3)]
    for round_no in range(8):
        lead = mql(acme, email=f"round{round_no}@co.de")
        hand_off_lead(lead=lead, by=marketer, rep=rep)
        people = [rep, *managers]
        barrier, outcomes = threading.Barrier(len(people)), []

        def act(person, lead=lead, barrier=barrier, outcomes=outcomes, n=round_no):
            barrier.wait()
            try:
                if person is managers[-1] and n % 2:
                    reject_lead(lead=Lead.objects.get(pk=lead.pk), by=person, reason="not_a_fit")
                else:
                    accept_lead(lead=Lead.objects.get(pk=lead.pk), by=person)
                outcomes.append("won")
            except Conflict:
                outcomes.append("told")
            finally:
                connection.close()

        threads = [threading.Thread(target=act, args=(p,)) for p in people]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert sorted(outcomes) == ["told", "told", "told", "won"]
        lead.refresh_from_db()
        assert lead.status in (S.ACCEPTED, S.RECYCLED)
        assert LeadStatusChange.objects.filter(lead=lead, from_status=S.HANDED_OFF).count() == 1


@pytest.mark.parametrize("manager_answer", ["accept", "reject"])
def test_rep_answering_after_a_manager_did_is_told_it_was_answered_not_refused(
    acme, marketer, rep, rep2, manager_answer
):
    manager = MembershipFactory(org=acme, role=Role.SALES_MANAGER)
    lead = mql(acme)
    hand_off_lead(lead=lead, by=marketer, rep=rep)
    if manager_answer == "accept":
        accept_lead(lead=lead, by=manager)
    else:
        reject_lead(lead=lead, by=manager, reason="not_a_fit")
    with pytest.raises(Conflict):
        accept_lead(lead=lead, by=rep)
    with pytest.raises(NotAllowed):
        accept_lead(lead=lead, by=rep2)
    assert LeadStatusChange.objects.filter(lead=lead, from_status=S.HANDED_OFF).count() == 1


def test_reject_needs_a_reason_and_returns_the_lead_to_marketing(
    acme, marketer, rep, django_capture_on_commit_callbacks
):
    lead = mql(acme)
    handoff = hand_off_lead(lead=lead, by=marketer, rep=rep)
    with pytest.raises(DomainError):
        reject_lead(lead=lead, by=rep, reason="")
    lead.refresh_from_db()
    assert lead.status == S.HANDED_OFF
    with django_capture_on_commit_callbacks(execute=True):
        reject_lead(lead=lead, by=rep, reason="not_ready", note="Budget next year")
    lead.refresh_from_db()
    handoff.refresh_from_db()
    assert (lead.status, lead.owner, lead.rejected_at is not None) == (S.RECYCLED, None, True)
    assert (handoff.reject_reason, handoff.reject_note) == ("not_ready", "Budget next year")
    notice = Notification.objects.get(recipient=marketer)
    assert notice.kind == Notification.Kind.LEAD_REJECTED and "not ready" in notice.title


def test_only_the_rep_or_a_sales_manager_answers_a_handoff(acme, marketer, rep, rep2, sales_manager):
    lead = mql(acme)
    hand_off_lead(lead=lead, by=marketer, rep=rep)
    with pytest.raises(NotAllowed):
        accept_lead(lead=lead, by=rep2)
    with pytest.raises(NotAllowed):
        accept_lead(lead=lead, by=marketer)
    accept_lead(lead=lead, by=sales_manager)
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == (S.ACCEPTED, rep)


def test_the_first_follow_up_is_the_first_touch_and_starts_the_work(acme, marketer, rep):
    ensure_default_lists(org=acme)
    lead = mql(acme)
    hand_off_lead(lead=lead, by=marketer, rep=rep)
    accept_lead(lead=lead, by=rep)
    called = timezone.now() - timedelta(hours=2)
    follow_up = log_follow_up(
        lead=lead, by=rep, kind="call", outcome="connected", occurred_at=called, notes="Good call",
        objections=[{"reason": "price", "text": "Too expensive for 20 seats"}], pain_points=["manual reporting"],
    )  # fmt: skip
    lead.refresh_from_db()
    assert (lead.status, lead.first_touch_at) == (S.WORKING, called)
    assert Objection.objects.get().reason.name == "Price"
    assert follow_up.pain_points.get().text == "manual reporting"
    log_follow_up(lead=lead, by=rep, kind="email", outcome="no_answer", occurred_at=timezone.now())
    lead.refresh_from_db()
    assert lead.first_touch_at == called and FollowUp.objects.count() == 2
    with pytest.raises(DomainError, match="not on your objection list"):
        log_follow_up(lead=lead, by=rep, kind="call", outcome="connected", occurred_at=timezone.now(),
                      objections=[{"reason": "Astrology"}])  # fmt: skip
    assert FollowUp.objects.count() == 2


def test_an_opportunity_is_won_or_lost_with_its_reasons(acme, marketer, rep, asset):
    ensure_default_lists(org=acme)
    lead = mql(acme)
    hand_off_lead(lead=lead, by=marketer, rep=rep)
    accept_lead(lead=lead, by=rep)
    with pytest.raises(IllegalTransition):
        close_lead(lead=lead, by=rep, outcome="won", value=1000)
    log_follow_up(lead=lead, by=rep, kind="meeting", outcome="meeting_booked", occurred_at=timezone.now())
    lead = close_lead(lead=Lead.objects.get(pk=lead.pk), by=rep, outcome="opportunity", value="25,000")
    lead = close_lead(lead=lead, by=rep, outcome="won", helped_asset=asset, helped_tactic="ROI workshop")
    outcome = Outcome.objects.get(lead=lead)
    assert (lead.status, lead.closed_at is not None) == (S.WON, True)
    assert (outcome.opportunity_value, outcome.won_value, outcome.helped_asset) == (25000, 25000, asset)
    other = mql(acme, email="other@co.de")
    hand_off_lead(lead=other, by=marketer, rep=rep)
    accept_lead(lead=other, by=rep)
    log_follow_up(lead=other, by=rep, kind="call", outcome="not_interested", occurred_at=timezone.now())
    with pytest.raises(DomainError, match="Say why"):
        close_lead(lead=Lead.objects.get(pk=other.pk), by=rep, outcome="lost")
    other = close_lead(lead=Lead.objects.get(pk=other.pk), by=rep, outcome="lost", loss_reason="price",
                       competitor="Acme CRM")  # fmt: skip
    assert other.status == S.LOST and Outcome.objects.get(lead=other).competitor == "Acme CRM"


def test_quality_feedback_comes_after_the_answer_once_per_handoff(acme, marketer, rep):
    lead = mql(acme)
    handoff = hand_off_lead(lead=lead, by=marketer, rep=rep)
    with pytest.raises(Conflict):
        record_quality_feedback(lead=lead, by=rep, fit=3, ready_to_talk=True, brief_useful=True)
    accept_lead(lead=lead, by=rep)
    rules = [o["rule"] for o in handoff.brief["criteria_met"]]
    record_quality_feedback(lead=lead, by=rep, fit=2, ready_to_talk=False, brief_useful=True, wrong_criteria=rules)
    record_quality_feedback(lead=lead, by=rep, fit=4, ready_to_talk=True, brief_useful=True)
    feedback = QualityFeedback.objects.get()
    assert (feedback.fit, feedback.ready_to_talk, feedback.wrong_criteria) == (4, True, [])
    with pytest.raises(DomainError):
        record_quality_feedback(lead=lead, by=rep, fit=9, ready_to_talk=True, brief_useful=True)


def test_a_handed_off_lead_engaging_again_tells_its_rep_once_per_burst(acme, marketer, rep, asset):
    lead = mql(acme)
    hand_off_lead(lead=lead, by=marketer, rep=rep)
    client = api_client(marketer)
    for n in range(3):
        when = (timezone.now() - timedelta(minutes=n)).isoformat()
        client.post(reverse("api:events"), {"lead": lead.pk, "asset": asset.pk, "kind": "view", "occurred_at": when},
                    format="json")  # fmt: skip
        evaluate_pending_task(acme.pk)
    notices = Notification.objects.filter(recipient=rep, kind=Notification.Kind.LEAD_REENGAGED)
    assert notices.count() == 1
    assert notices.get().count == 3
    assert "Cost of churn whitepaper" in notices.get().body


def test_notice_emails_go_out_once_even_when_the_job_runs_twice(acme, marketer, rep):
    lead = mql(acme)
    hand_off_lead(lead=lead, by=marketer, rep=rep)
    notice = Notification.objects.get(recipient=rep)
    assert send_notification_email_task(notice.pk) is True
    assert send_notification_email_task(notice.pk) is False
    assert len(mail.outbox) == 1


def test_a_rep_can_turn_off_emails_of_a_kind(acme, marketer, rep):
    from accounts.services import set_email_preference

    set_email_preference(member=rep, kind=Notification.Kind.LEAD_ASSIGNED, email=False)
    hand_off_lead(lead=mql(acme), by=marketer, rep=rep)
    notice = Notification.objects.get(recipient=rep)
    assert not notice.by_email
    assert send_notification_email_task(notice.pk) is False
    assert mail.outbox == []


def test_the_api_hands_off_accepts_logs_and_closes_with_the_error_shape(acme, marketer, rep, globex_admin):
    ensure_default_lists(org=acme)
    lead = mql(acme)
    marketing, sales = api_client(marketer), api_client(rep)
    assert marketing.post(reverse("api:lead-handoff", args=[lead.pk]), {"rep": globex_admin.pk}, format="json").json()[
        "fields"
    ] == {"rep": ["Unknown member."]}
    handed = marketing.post(reverse("api:lead-handoff", args=[lead.pk]), {"rep": rep.pk, "note": "Hot"}, format="json")
    assert handed.status_code == 200 and handed.json()["status"] == "handed_off" and handed.json()["owner"] == rep.pk
    again = marketing.post(reverse("api:lead-handoff", args=[lead.pk]), {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"
    no_reason = sales.post(reverse("api:lead-reject", args=[lead.pk]), {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    assert sales.post(reverse("api:lead-accept", args=[lead.pk]), {}, format="json").json()["status"] == "accepted"
    assert sales.post(reverse("api:lead-accept", args=[lead.pk]), {}, format="json").status_code == 409
    body = {"kind": "call", "occurred_at": timezone.now().isoformat(), "outcome": "connected", "notes": "",
            "objections": ["Price", {"reason": "Timing", "text": "Q3"}]}  # fmt: skip
    logged = sales.post(reverse("api:lead-follow-ups", args=[lead.pk]), body, format="json")
    assert logged.status_code == 201 and logged.json()["lead_status"] == "working"
    bad = sales.post(
        reverse("api:lead-follow-ups", args=[lead.pk]), body | {"objections": ["Astrology"]}, format="json"
    )
    assert bad.status_code == 400
    lost = sales.post(reverse("api:lead-close", args=[lead.pk]), {"outcome": "lost"}, format="json")
    assert lost.status_code == 400 and "loss_reason" in lost.json()["fields"]
    opportunity = sales.post(reverse("api:lead-close", args=[lead.pk]), {"outcome": "opportunity", "value": "5000"},
                             format="json")  # fmt: skip
    assert opportunity.json()["status"] == "opportunity"
    won = sales.post(reverse("api:lead-close", args=[lead.pk]), {"outcome": "won"}, format="json")
    assert won.json()["status"] == "won" and won.json()["closed_at"]
    assert (
        api_client(globex_admin).post(reverse("api:lead-accept", args=[lead.pk]), {}, format="json").status_code == 404
    )
