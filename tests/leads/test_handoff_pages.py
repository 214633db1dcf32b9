"""The hand-off in the browser's pages: marketing hands off, sales answers from its inbox and the brief,
returned leads come back to marketing, managers keep the routing rules."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from feedback.services import close_lead, ensure_default_lists, log_follow_up
from leads.models import (
    ContentAsset,
    CriteriaVersion,
    EngagementEvent,
    HandOff,
    Lead,
    LeadStatusChange,
    RoutingRule,
    RoutingRuleRep,
)
from leads.services.handoff import accept_lead, hand_off_lead, reject_lead
from tests.factories import MembershipFactory, store_evaluation

pytestmark = pytest.mark.django_db
S = Lead.Status
QUEUE = reverse("leads:qualified")
INBOX = reverse("leads:inbox")
RETURNED = reverse("leads:returned")
RULES = reverse("leads:routing_rules")
OUTCOMES = [
    {"rule": "Country is one of DE, AT", "result": "held", "reason": "Country DE is one of DE, AT", "required": True,
     "weight": 0},
    {"rule": "Employees ≥ 200", "result": "held", "reason": "Employees 500 ≥ 200", "required": False, "weight": 40},
    {"rule": "Budget is stated", "result": "unknown", "reason": "Budget unknown", "required": False, "weight": 20},
]  # fmt: skip
CRITERIA_RULES = [
    {"attribute": "country", "operator": "in", "value": ["DE", "AT"], "required": True},
    {"attribute": "employees", "operator": "gte", "value": 200, "weight": 40},
    {"attribute": "budget", "operator": "known", "weight": 20},
]


def mql(org, email: str, *, marketer=None, **values) -> Lead:
    """A qualified lead with its evaluation by criteria version 2, and two touches."""
    version = CriteriaVersion.objects.filter(org=org, number=2).first() or CriteriaVersion.objects.create(
        org=org, number=2, name="DACH mid-size", created_by=marketer or MembershipFactory(org=org)
    )
    values = {"first_name": email.split("@")[0].title(), "last_name": "Example", "country": "DE", "employees": 500,
              "company_name": "Initech", "fit_score": 80, "engagement_score": 14.5, **values}  # fmt: skip
    lead = Lead.objects.create(
        org=org, email=email, status=S.MQL, criteria_version=version, qualified_at=timezone.now(), **values
    )
    store_evaluation(lead, version, CRITERIA_RULES, OUTCOMES, fit_score=80, engagement_score=14.5)
    whitepaper = ContentAsset.objects.create(org=org, title="Cost of churn whitepaper", kind="whitepaper")
    EngagementEvent.objects.create(
        org=org, lead=lead, asset=whitepaper, kind="download", occurred_at=timezone.now() - timedelta(days=3)
    )
    return lead


def handed(lead: Lead, marketer, rep, note: str = "Asked for pricing") -> HandOff:
    return hand_off_lead(lead=lead, by=marketer, rep=rep, note=note)


def brief_url(lead: Lead) -> str:
    return reverse("leads:brief", args=[lead.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# Handing off


def test_the_queue_offers_hand_off_that_comes_back_to_the_queue(client_for, marketer):
    lead = mql(marketer.org, "jane@initech.com", marketer=marketer)
    page = client_for(marketer).get(QUEUE, {"fit_min": "50"}).text
    assert f'href="/leads/{lead.pk}/hand-off/?next=%2Fleads%2Fqualified%2F%3Ffit_min%3D50"' in page
    assert ">Hand off</a>" in page


def test_hand_off_page_offers_active_sales_people_marked_away_or_at_capacity(
    client_for, marketer, rep, rep2, sales_manager, globex_admin
):
    lead = mql(marketer.org, "jane@initech.com", marketer=marketer)
    rep2.is_away = True
    rep2.save()
    rep.max_open_leads = 1
    rep.save()
    handed(mql(marketer.org, "other@initech.com"), marketer, rep)
    MembershipFactory(org=marketer.org, role=Role.SALES_REP, is_active=False, user__full_name="Gone Rep")
    response = client_for(marketer).get(reverse("leads:hand_off", args=[lead.pk]))
    choices = [label for _value, label in response.context["form"].fields["rep"].choices]
    assert choices == [
        "Route automatically", "Rafael Rep (away)", "Rita Rep (at capacity: 1/1)", "Sandra Manager (sales manager)",
    ]  # fmt: skip
    assert "Gone Rep" not in response.text and "Gus Globex" not in response.text
    assert "Country is one of DE, AT" in response.text


def test_marketer_hands_off_to_a_named_rep_and_hears_to_whom_and_why(client_for, marketer, rep):
    lead = mql(marketer.org, "jane@initech.com", marketer=marketer)
    client = client_for(marketer)
    url = reverse("leads:hand_off", args=[lead.pk])
    response = client.post(url, {"rep": rep.pk, "note": "Asked for pricing at the booth", "next": QUEUE}, follow=True)
    assert response.redirect_chain[-1][0] == QUEUE
    assert "Jane Example is handed off to Rita Rep (named by Maria Marketer)." in messages_of(response)
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == (S.HANDED_OFF, rep)
    handoff = HandOff.objects.get(lead=lead)
    assert handoff.note == "Asked for pricing at the booth"
    assert handoff.brief["criteria_version"] == 2 and handoff.brief["criteria_met"] == OUTCOMES
    assert "jane@initech.com" not in response.text, "the queue no longer shows it"


def test_hand_off_without_a_name_follows_the_routing_rules(client_for, marketer, rep, rep2):
    rule = RoutingRule.objects.create(org=marketer.org, name="DACH", countries=["DE", "AT"])
    RoutingRuleRep.objects.create(org=marketer.org, rule=rule, member=rep2)
    lead = mql(marketer.org, "jane@initech.com", marketer=marketer)
    response = client_for(marketer).post(reverse("leads:hand_off", args=[lead.pk]), {"rep": ""}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("leads:detail", args=[lead.pk])
    assert "Jane Example is handed off to Rafael Rep (territory DACH, round-robin)." in messages_of(response)
    assert Lead.objects.get(pk=lead.pk).owner == rep2


def test_a_double_clicked_hand_off_hands_off_once_and_says_so(client_for, marketer, rep):
    lead = mql(marketer.org, "jane@initech.com", marketer=marketer)
    client = client_for(marketer)
    url = reverse("leads:hand_off", args=[lead.pk])
    client.post(url, {"rep": rep.pk})
    second = client.post(url, {"rep": rep.pk}, follow=True)
    assert HandOff.objects.filter(lead=lead).count() == 1
    assert LeadStatusChange.objects.filter(lead=lead, to_status=S.HANDED_OFF).count() == 1
    assert "Only a qualified lead can be handed off; this one is handed off." in messages_of(second)
    assert second.redirect_chain[-1][0] == reverse("leads:detail", args=[lead.pk])


def test_hand_off_with_nobody_to_route_to_keeps_the_note_and_says_why(client_for, marketer):
    lead = mql(marketer.org, "jane@initech.com", marketer=marketer)
    response = client_for(marketer).post(reverse("leads:hand_off", args=[lead.pk]), {"rep": "", "note": "Hot"})
    assert response.status_code == 200
    assert "No sales rep is set up for this lead" in response.text and "Hot</textarea>" in response.text
    assert Lead.objects.get(pk=lead.pk).status == S.MQL


def test_hand_off_when_every_rep_is_away_keeps_the_note_and_says_so(client_for, marketer, rep):
    rep.is_away = True
    rep.save()
    lead = mql(marketer.org, "jane@initech.com", marketer=marketer)
    response = client_for(marketer).post(reverse("leads:hand_off", args=[lead.pk]), {"rep": "", "note": "Hot"})
    assert "Every rep for this lead is away or at capacity (no territory matched: Rita Rep away)." in response.text
    assert "Hot</textarea>" in response.text and Lead.objects.get(pk=lead.pk).status == S.MQL


def test_a_lead_not_yet_qualified_offers_no_hand_off(client_for, marketer):
    lead = Lead.objects.create(org=marketer.org, email="cold@initech.com")
    client = client_for(marketer)
    assert "/hand-off/" not in client.get(reverse("leads:detail", args=[lead.pk])).text
    page = client.get(reverse("leads:hand_off", args=[lead.pk])).text
    assert "Only a qualified lead (MQL) or one returned by sales can be handed off; this one is new" in page


def test_sales_may_not_hand_off_and_another_orgs_lead_does_not_exist(client_for, marketer, sales_manager, globex):
    theirs = mql(globex, "spy@globex.test")
    assert client_for(sales_manager).get(reverse("leads:hand_off", args=[theirs.pk])).status_code == 403
    assert client_for(marketer).get(reverse("leads:hand_off", args=[theirs.pk])).status_code == 404
    assert client_for(marketer).post(reverse("leads:hand_off", args=[theirs.pk]), {"rep": ""}).status_code == 404


# The inbox


def test_inbox_shows_the_reps_own_leads_awaiting_an_answer_first(client_for, marketer, rep, rep2):
    org = marketer.org
    working = mql(org, "working@initech.com")
    handed(working, marketer, rep)
    accept_lead(lead=working, by=rep)
    older = mql(org, "older@initech.com")
    handed(older, marketer, rep)
    HandOff.objects.filter(lead=older).update(handed_off_at=timezone.now() - timedelta(hours=3))
    Lead.objects.filter(pk=older.pk).update(handed_off_at=timezone.now() - timedelta(hours=3))
    newer = mql(org, "newer@initech.com")
    handed(newer, marketer, rep)
    handed(mql(org, "theirs@initech.com"), marketer, rep2)
    mql(org, "waiting@initech.com")
    response = client_for(rep).get(INBOX)
    assert [row["email"] for row in response.context["page"]] == [
        "older@initech.com", "newer@initech.com", "working@initech.com",
    ]  # fmt: skip
    assert response.context["counts"] == {"awaiting": 2, "working": 1}
    page = response.text
    assert "handed off 3 h ago" in page and "handed off just now" in page
    assert "theirs@initech.com" not in page and "Theirs" not in page
    assert f'href="{brief_url(older)}">Open brief</a>' in page
    assert page.count(">Accept</button>") == 2
    assert "Owner</th>" not in page


def test_sales_manager_sees_the_team_inbox_and_narrows_it_to_one_owner(client_for, marketer, rep, rep2, sales_manager):
    org = marketer.org
    handed(mql(org, "a@initech.com"), marketer, rep)
    handed(mql(org, "b@initech.com"), marketer, rep2)
    client = client_for(sales_manager)
    everyone = client.get(INBOX)
    assert {row["email"] for row in everyone.context["page"]} == {"a@initech.com", "b@initech.com"}
    assert "Owner</th>" in everyone.text and "Rafael Rep" in everyone.text
    only = client.get(INBOX, {"owner": rep2.pk})
    assert [row["email"] for row in only.context["page"]] == ["b@initech.com"]
    assert only.context["counts"] == {"awaiting": 1, "working": 0}
    assert f"?region=counts&amp;owner={rep2.pk}" in only.text


def test_inbox_counts_refresh_as_a_small_partial(client_for, marketer, rep):
    handed(mql(marketer.org, "a@initech.com"), marketer, rep)
    response = client_for(rep).get(INBOX, {"region": "counts"}, headers={"HX-Request": "true"})
    assert "<html" not in response.text and 'hx-trigger="every 30s"' in response.text
    assert 'data-testid="awaiting-count">1<' in response.text and 'data-testid="working-count">0<' in response.text
    assert "HX-Request" in response["Vary"]


def test_the_inbox_costs_the_same_queries_for_one_lead_or_a_full_page(client_for, marketer, sales_manager, rep):
    client = client_for(sales_manager)
    handed(mql(marketer.org, "first@initech.com"), marketer, rep)
    client.get(INBOX)
    with CaptureQueriesContext(connection) as one:
        client.get(INBOX)
    for n in range(55):
        handed(mql(marketer.org, f"p{n}@initech.com"), marketer, rep)
    with CaptureQueriesContext(connection) as many:
        response = client.get(INBOX)
    assert len(response.context["page"]) == 50
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_marketing_may_not_open_the_inbox(client_for, marketer):
    assert client_for(marketer).get(INBOX).status_code == 403


# The brief, accept and reject


def test_brief_shows_what_marketing_sent_frozen_at_hand_off(client_for, marketer, rep):
    lead = mql(marketer.org, "jane@initech.com", pain_points=["cost of churn"], current_supplier="Globex Corp",
               job_title="Head of Ops", phone="+49 30 1234")  # fmt: skip
    handed(lead, marketer, rep, note="Asked for pricing at the booth")
    Lead.objects.filter(pk=lead.pk).update(current_supplier="Someone new", pain_points=["changed"])
    page = client_for(rep).get(brief_url(lead)).text
    for shown in (
        "Asked for pricing at the booth", "named by Maria Marketer", "Criteria version 2", "“DACH mid-size”",
        "Country is one of DE, AT", "Employees ≥ 200", "cost of churn", "Globex Corp", "Head of Ops", "+49 30 1234",
        "Downloaded", "Cost of churn whitepaper", ">Accept</button>", "Reject and return to marketing",
    ):  # fmt: skip
        assert shown in page, shown
    assert "Someone new" not in page and "changed" not in page
    assert "Log follow-up" not in page and "Lead quality feedback" not in page


def test_a_rep_never_sees_another_reps_brief(client_for, marketer, rep, rep2, globex):
    lead = mql(marketer.org, "jane@initech.com")
    handed(lead, marketer, rep2)
    assert client_for(rep).get(brief_url(lead)).status_code == 404
    assert client_for(rep).post(reverse("leads:accept", args=[lead.pk])).status_code == 404
    assert Lead.objects.get(pk=lead.pk).status == S.HANDED_OFF


def test_rep_accepts_from_the_brief_and_gets_the_follow_up_form(client_for, marketer, rep):
    ensure_default_lists(org=marketer.org)
    lead = mql(marketer.org, "jane@initech.com")
    handed(lead, marketer, rep)
    response = client_for(rep).post(reverse("leads:accept", args=[lead.pk]), {"seen_status": S.HANDED_OFF}, follow=True)
    assert response.redirect_chain[-1][0] == brief_url(lead)
    assert "You accepted Jane Example. Log the first follow-up once you have reached out." in messages_of(response)
    assert Lead.objects.get(pk=lead.pk).status == S.ACCEPTED
    page = response.text
    assert "Log follow-up" in page and "Price" in page and "Lead quality feedback" in page
    assert ">Accept</button>" not in page


def test_quick_accept_from_the_inbox_returns_to_the_inbox(client_for, marketer, rep):
    lead = mql(marketer.org, "jane@initech.com")
    handed(lead, marketer, rep)
    response = client_for(rep).post(
        reverse("leads:accept", args=[lead.pk]), {"seen_status": S.HANDED_OFF, "next": INBOX}, follow=True
    )
    assert response.redirect_chain[-1][0] == INBOX
    assert response.context["counts"] == {"awaiting": 0, "working": 1}


def test_second_accept_gets_the_someone_else_message_and_the_current_state(client_for, marketer, rep, sales_manager):
    lead = mql(marketer.org, "jane@initech.com")
    handed(lead, marketer, rep)
    client_for(sales_manager).post(reverse("leads:accept", args=[lead.pk]), {"seen_status": S.HANDED_OFF})
    response = client_for(rep).post(reverse("leads:accept", args=[lead.pk]), {"seen_status": S.HANDED_OFF}, follow=True)
    assert "Someone else changed this lead first: it is now accepted." in messages_of(response)
    assert LeadStatusChange.objects.filter(lead=lead, to_status=S.ACCEPTED).count() == 1
    assert 'data-testid="lead-status">Accepted<' in response.text


def test_reject_without_a_reason_changes_nothing_and_says_what_is_missing(client_for, marketer, rep):
    lead = mql(marketer.org, "jane@initech.com")
    handed(lead, marketer, rep)
    response = client_for(rep).post(reverse("leads:reject", args=[lead.pk]), {"reject-note": "Meh"})
    assert response.status_code == 200
    assert "Say why you reject the lead." in response.text and "Meh</textarea>" in response.text
    assert '<details class="lead-action" open>' in response.text
    assert Lead.objects.get(pk=lead.pk).status == S.HANDED_OFF
    other = client_for(rep).post(reverse("leads:reject", args=[lead.pk]), {"reject-reason": "other"})
    assert "Say what is wrong in a few words." in other.text
    assert Lead.objects.get(pk=lead.pk).status == S.HANDED_OFF


def test_reject_returns_the_lead_to_marketing_and_the_rep_may_still_rate_it(client_for, marketer, rep):
    lead = mql(marketer.org, "jane@initech.com")
    handed(lead, marketer, rep)
    client = client_for(rep)
    response = client.post(
        reverse("leads:reject", args=[lead.pk]),
        {"reject-reason": "not_ready", "reject-note": "Budget only next year", "reject-seen_status": S.HANDED_OFF},
        follow=True,
    )
    assert "Jane Example is returned to marketing (not ready). Tell marketing how good the lead was." in messages_of(
        response
    )
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == (S.RECYCLED, None)
    page = response.text
    assert "Returned to marketing: not ready." in page and "Lead quality feedback" in page
    assert "Country is one of DE, AT" in page, "wrong criteria are picked from the brief's"


# Returned by sales


def test_returned_queue_shows_reason_note_and_who_returned_it(client_for, marketer, rep, sales_manager, globex):
    lead = mql(marketer.org, "jane@initech.com")
    handed(lead, marketer, rep)
    reject_lead(lead=lead, by=sales_manager, reason="bad_data", note="Phone number is fake")
    theirs = mql(globex, "spy@globex.test")
    Lead.objects.filter(pk=theirs.pk).update(status=S.RECYCLED)
    page = client_for(marketer).get(RETURNED).text
    for shown in ("Jane Example", "Bad data", "Phone number is fake", "Sandra Manager", "just now",
                  "Back to nurturing", "Hand off again"):  # fmt: skip
        assert shown in page, shown
    assert "spy@globex.test" not in page and "Spy" not in page
    assert "1 lead returned" in page


def test_the_returned_queue_costs_the_same_queries_for_one_lead_or_a_full_page(client_for, marketer, rep):
    def returned_lead(email: str) -> None:
        lead = mql(marketer.org, email)
        handed(lead, marketer, rep)
        reject_lead(lead=lead, by=rep, reason="bad_data", note="No such person")

    client = client_for(marketer)
    returned_lead("first@initech.com")
    client.get(RETURNED)
    with CaptureQueriesContext(connection) as one:
        client.get(RETURNED)
    for n in range(52):
        returned_lead(f"p{n}@initech.com")
    with CaptureQueriesContext(connection) as many:
        response = client.get(RETURNED)
    assert len(response.context["page"]) == 50
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_back_to_nurturing_takes_the_lead_out_of_the_returned_queue(client_for, marketer, rep):
    lead = mql(marketer.org, "jane@initech.com")
    handed(lead, marketer, rep)
    reject_lead(lead=lead, by=rep, reason="not_ready")
    client = client_for(marketer)
    response = client.post(reverse("leads:renurture", args=[lead.pk]), {"seen_status": S.RECYCLED}, follow=True)
    assert "Jane Example is back in nurturing: marketing keeps warming it up." in messages_of(response)
    assert Lead.objects.get(pk=lead.pk).status == S.NURTURING
    assert "0 leads returned" in response.text
    again = client.post(reverse("leads:renurture", args=[lead.pk]), {"seen_status": S.RECYCLED}, follow=True)
    assert "Someone else changed this lead first: it is now nurturing." in messages_of(again)


def test_hand_off_again_from_the_returned_queue_shows_why_it_came_back(client_for, marketer, rep, rep2):
    lead = mql(marketer.org, "jane@initech.com")
    handed(lead, marketer, rep)
    reject_lead(lead=lead, by=rep, reason="not_a_fit", note="Too small")
    client = client_for(marketer)
    page = client.get(reverse("leads:hand_off", args=[lead.pk]), {"next": RETURNED}).text
    assert 'data-testid="returned-before"' in page and "Not a fit" in page and "Too small" in page
    response = client.post(reverse("leads:hand_off", args=[lead.pk]), {"rep": rep2.pk, "next": RETURNED}, follow=True)
    assert response.redirect_chain[-1][0] == RETURNED
    assert Lead.objects.get(pk=lead.pk).owner == rep2 and HandOff.objects.filter(lead=lead).count() == 2


# The lead's history


def test_lead_page_shows_its_history_newest_first(client_for, marketer, rep):
    ensure_default_lists(org=marketer.org)
    lead = mql(marketer.org, "jane@initech.com")
    handed(lead, marketer, rep, note="Call before Friday")
    accept_lead(lead=lead, by=rep)
    log_follow_up(lead=lead, by=rep, kind="call", outcome="connected", occurred_at=timezone.now(),
                  notes="Wants a demo", objections=[{"reason": "Price", "text": "Too dear <b>now</b>"}],
                  pain_points=["slow reports"])  # fmt: skip
    close_lead(lead=Lead.objects.get(pk=lead.pk), by=rep, outcome="lost", loss_reason="No decision",
               competitor="Globex")  # fmt: skip
    response = client_for(marketer).get(reverse("leads:detail", args=[lead.pk]))
    history = response.context["history"]
    assert [entry.title for entry in history][:4] == [
        "Working → Lost", "Accepted → Working", "Call: connected", "Handed off → Accepted",
    ]  # fmt: skip
    assert history[-1].title == "Handed off to Rita Rep"
    page = response.text
    shown = ("Reason: No decision", "Competitor: Globex", "Objection: Price: Too dear &lt;b&gt;now&lt;/b&gt;",
             "slow reports", "Routing: named by Maria Marketer", "Call before Friday", "MQL → Handed off")  # fmt: skip
    assert [text for text in shown if text not in page] == []
    assert "/hand-off/" not in page


# Routing rules and availability


def test_managers_create_edit_and_delete_routing_rules(client_for, sales_manager, rep, rep2):
    client = client_for(sales_manager)
    assert client.get(reverse("leads:routing_rule_new")).status_code == 200
    response = client.post(reverse("leads:routing_rule_new"), {
        "name": "DACH", "position": "10", "countries": ["DE", "AT"], "industries": "Software, software, Retail",
        "min_employees": "50", "max_employees": "5000", "reps": [rep.pk, rep2.pk], "is_active": "on",
    }, follow=True)  # fmt: skip
    assert "Routing rule “DACH” is saved." in messages_of(response)
    rule = RoutingRule.objects.get(org=sales_manager.org)
    assert (rule.countries, rule.industries, rule.min_employees, rule.max_employees, rule.is_active) == (
        ["DE", "AT"], ["Software", "Retail"], 50, 5000, True,
    )  # fmt: skip
    assert {link.member for link in rule.reps.all()} == {rep, rep2}
    assert "DE, AT" in response.text and "Rafael Rep, Rita Rep" in response.text

    edit = reverse("leads:routing_rule", args=[rule.pk])
    assert 'value="Software, Retail"' in client.get(edit).text
    client.post(edit, {"name": "DACH big", "position": "5", "reps": [rep2.pk]})
    rule.refresh_from_db()
    assert (rule.name, rule.countries, rule.is_active) == ("DACH big", [], False)
    assert [link.member for link in rule.reps.all()] == [rep2]

    bad = client.post(edit, {"name": "DACH", "position": "5", "min_employees": "500", "max_employees": "50"})
    assert "The range runs from low to high." in bad.text and RoutingRule.objects.get(pk=rule.pk).name == "DACH big"

    client.post(reverse("leads:routing_rule_delete", args=[rule.pk]))
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()


def test_routing_rules_are_for_managers_and_admins_only(client_for, rep, marketer, marketing_manager, admin, globex):
    assert client_for(rep).get(RULES).status_code == 403
    assert client_for(marketer).get(RULES).status_code == 403
    assert client_for(marketing_manager).get(RULES).status_code == 200
    assert client_for(admin).get(RULES).status_code == 200
    theirs = RoutingRule.objects.create(org=globex, name="Theirs")
    assert client_for(admin).get(reverse("leads:routing_rule", args=[theirs.pk])).status_code == 404


def test_sales_manager_sets_a_reps_availability_and_routing_skips_away_reps(client_for, sales_manager, rep):
    client = client_for(sales_manager)
    url = reverse("leads:rep_availability", args=[rep.pk])
    response = client.post(url, {"is_away": "on", "max_open_leads": "12"}, follow=True)
    assert "Rita Rep is away, up to 12 open leads." in messages_of(response)
    rep.refresh_from_db()
    assert (rep.is_away, rep.max_open_leads) == (True, 12)
    assert 'data-testid="availability"' in response.text
    bad = client.post(url, {"max_open_leads": "0"}, follow=True)
    assert "max open leads is a number from 1 to 10,000" in messages_of(bad)[0]
    assert Lead.objects.count() == 0


def test_marketing_manager_sees_availability_but_may_not_change_it(client_for, marketing_manager, rep):
    client = client_for(marketing_manager)
    page = client.get(RULES).text
    assert "Rita Rep" in page and 'form="availability-' not in page
    response = client.post(reverse("leads:rep_availability", args=[rep.pk]), {"is_away": "on"}, follow=True)
    assert "Only the rep, their sales manager or an admin can change this." in messages_of(response)
    rep.refresh_from_db()
    assert rep.is_away is False


def test_the_inbox_links_sales_managers_to_the_routing_rules(client_for, sales_manager, rep):
    assert RULES in client_for(sales_manager).get(INBOX).text
    assert RULES not in client_for(rep).get(INBOX).text
