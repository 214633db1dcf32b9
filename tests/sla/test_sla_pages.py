"""The SLA pages: the agreement in force with its figures, lights, trend, people and breaches; the
versions with their editor, proposal, signatures and send-back; the clocks' countdowns on leads."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from leads.models import Lead
from leads.services.handoff import accept_lead, hand_off_lead
from leads.services.leads import upsert_leads
from sla.models import Agreement, AgreementEvent, LeadClock
from sla.objectives import traffic_light
from sla.services.agreements import create_agreement, propose_agreement, sign_agreement, update_agreement
from sla.services.clocks import sweep_clocks
from sla.services.compliance import compute_compliance
from sla.templatetags.sla_tags import time_left
from tests.conftest import api_client

pytestmark = pytest.mark.django_db
S = Lead.Status
A = Agreement.Status
# Friday 20 March 2026, 11:00 in Berlin: the pages are looked at now. The org works Mon-Fri 9-17.
NOW = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)
MONDAY_10 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OBJECTIVES = [
    {"metric": "mqls_delivered", "target": 40},
    {"metric": "mql_acceptance", "target": 70},
    {"metric": "response_time", "target": 90, "hours": 4},
    {"metric": "first_touch_time", "target": 80, "hours": 8},
    {"metric": "follow_ups", "target": 70, "count": 2, "days": 7},
]


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def managers(marketing_manager, sales_manager):
    return [marketing_manager, sales_manager]


def in_force(managers, objectives=OBJECTIVES, *, name="Q1 SLA") -> Agreement:
    marketing, sales = managers
    org = sales.org
    org.business_day_start, org.business_day_end = time(9), time(17)
    org.save()
    draft = create_agreement(by=sales)
    update_agreement(by=sales, agreement=draft, name=name, summary="", at_risk_share=0.75, objectives=objectives)
    propose_agreement(by=sales, agreement=draft)
    sign_agreement(by=marketing, agreement=draft)
    sign_agreement(by=sales, agreement=draft)
    draft.refresh_from_db()
    return draft


def mql(org, email: str) -> Lead:
    upsert_leads(org=org, items=[{"email": email, "first_name": email.split("@")[0].title(), "country": "DE"}])
    Lead.objects.filter(org=org, email=email).update(status=S.MQL, qualified_at=timezone.now())
    return Lead.objects.get(org=org, email=email)


def hand_off(org, email: str, *, by, rep, at: datetime) -> Lead:
    with time_machine.travel(at, tick=False):
        hand_off_lead(lead=mql(org, email), by=by, rep=rep)
    return Lead.objects.get(org=org, email=email)


def compute(agreement: Agreement) -> None:
    for objective in agreement.objectives.all():
        start = NOW.date().replace(day=1) if objective.period == "month" else NOW.date().replace(month=1, day=1)
        compute_compliance(objective=objective, start=start)


@pytest.fixture
def agreement(managers):
    return in_force(managers)


@pytest.fixture
def march(acme, agreement, marketer, rep, rep2):
    """Three hand-offs on 2 March: the rep answers one in an hour and lets one run out; the second rep
    lets theirs run out. One more hand-off to the rep half an hour ago: its clock is running."""
    answered = hand_off(acme, "answered@initech.de", by=marketer, rep=rep, at=MONDAY_10)
    hand_off(acme, "forgotten@initech.de", by=marketer, rep=rep, at=MONDAY_10)
    hand_off(acme, "other@initech.de", by=marketer, rep=rep2, at=MONDAY_10)
    with time_machine.travel(MONDAY_10 + timedelta(hours=1), tick=False):
        accept_lead(lead=answered, by=rep)
    hand_off(acme, "fresh@initech.de", by=marketer, rep=rep, at=NOW - timedelta(minutes=30))
    sweep_clocks(now=NOW)
    compute(agreement)
    return agreement


def objective_card(html: str, metric: str) -> str:
    return html.split(f'data-metric="{metric}"', 1)[1].split("</article>", 1)[0]


# The SLA page


@pytest.mark.parametrize("persona", ["marketer", "marketing_manager", "rep", "sales_manager", "admin"])
def test_every_member_sees_the_promises_with_the_figures_the_api_reports(client_for, request, march, persona):
    member = request.getfixturevalue(persona)
    response = client_for(member).get(reverse("sla:sla"))
    assert response.status_code == 200
    html = response.content.decode()
    api = api_client(member).get(reverse("api:metrics-sla"), {"from": "2026-03-01"}).json()
    shown = {o["metric"]: o for o in response.context["overview"]["objectives"]}
    assert list(shown) == [o["metric"] for o in api["objectives"]]
    for objective in api["objectives"]:
        (march_figures,) = [p for p in objective["periods"] if p["period_start"] == "2026-03-01"]
        assert shown[objective["metric"]]["current"]["value"] == march_figures["org"]["value"]
        assert objective["statement"] in html
    # One accepted in time out of three answered or run out.
    response_card = objective_card(html, "response_time")
    assert 'data-testid="figure">33.3%</span>' in response_card
    assert "Off target" in response_card and "1 of 3" in response_card
    assert "Figures as of" in html


def test_the_page_counts_the_clocks_running_now_and_breached_this_month(client_for, march, sales_manager):
    html = client_for(sales_manager).get(reverse("sla:sla")).content.decode()
    counts = " ".join(re.sub(r"<[^>]+>", "", objective_card(html, "response_time")).split())
    assert "1 clock running now" in counts
    assert "2 breached this month" in counts


@pytest.mark.parametrize(
    ("value", "target", "pace", "light"),
    [
        (90.0, 90, 1.0, "green"),  # exactly the target
        (95.0, 90, 1.0, "green"),
        (81.0, 90, 1.0, "amber"),  # short by exactly 10% of the target
        (80.9, 90, 1.0, "red"),
        (0.0, 90, 1.0, "red"),
        (None, 90, 1.0, "none"),  # nothing handed off, nothing to measure
        (20.0, 60, 1 / 3, "green"),  # 20 MQLs a third into the month: the 20 due by now
        (18.0, 60, 1 / 3, "amber"),
        (17.0, 60, 1 / 3, "red"),
    ],
)
def test_the_traffic_light_is_green_on_target_amber_within_ten_percent_red_beyond(value, target, pace, light):
    assert traffic_light(value=value, target=target, pace=pace) == light


def test_the_page_states_its_light_rule_and_holds_a_running_count_to_the_part_due(
    client_for, acme, march, marketer, sales_manager
):
    html = client_for(sales_manager).get(reverse("sla:sla")).content.decode()
    assert "short of the target by at most 10% of it" in html
    # Four MQLs by the 20th of March, 11:00: 19.5 of the month's 31 days are gone, so 25 of the 40 are due.
    card = objective_card(html, "mqls_delivered")
    assert 'data-testid="figure">4</span>' in card
    assert "target 40 this month, 25 by today" in card
    assert "Off target" in card


def test_the_trend_holds_twelve_periods_in_a_chart_with_the_same_numbers_in_a_table(client_for, march, marketer):
    response = client_for(marketer).get(reverse("sla:sla"))
    objective = next(o for o in response.context["overview"]["objectives"] if o["metric"] == "response_time")
    assert [p["label"] for p in objective["trend"]][-3:] == ["Jan 2026", "Feb 2026", "Mar 2026"]
    assert len(objective["trend"]) == 12
    assert objective["chart"]["data"]["datasets"][0]["data"] == [None] * 11 + [33.3]
    html = response.content.decode()
    assert f'<canvas data-chart="sla-trend-{objective["id"]}"' in html
    assert f'id="sla-trend-{objective["id"]}"' in html  # the json_script the chart reads
    table = html.split(f'id="sla-trend-{objective["id"]}"', 1)[1].split("</table>", 1)[0]
    assert "Mar 2026" in table and "33.3%" in table and "1 of 3" in table


def test_a_rep_sees_everyone_s_figures_with_their_own_row_marked_and_only_their_own_breaches(
    client_for, march, rep, rep2
):
    response = client_for(rep).get(reverse("sla:sla"))
    html = response.content.decode()
    people = html.split('data-testid="people-sales"', 1)[1].split("</table>", 1)[0]
    assert "Rita Rep" in people and "Rafael Rep" in people
    mine = people.split('data-testid="my-row"', 1)[1].split("</tr>", 1)[0]
    assert "Rita Rep" in mine and "Rafael Rep" not in mine
    breaches = list(response.context["page"].object_list)
    assert {clock.owner_id for clock in breaches} == {rep.pk}
    assert sorted(c.lead.email for c in breaches) == ["answered@initech.de", "answered@initech.de",
                                                      "forgotten@initech.de"]  # fmt: skip
    assert "Your breaches" in html and "other@initech.de" not in html
    # A rep opens a lead from the brief, the page sales works in.
    assert reverse("leads:brief", args=[breaches[0].lead_id]) in html


@pytest.mark.parametrize("persona", ["marketer", "sales_manager", "admin"])
def test_managers_and_marketing_see_every_breach_newest_first(client_for, request, march, persona):
    response = client_for(request.getfixturevalue(persona)).get(reverse("sla:sla"))
    breaches = list(response.context["page"].object_list)
    assert len(breaches) == LeadClock.objects.filter(state="breached").count() == 4
    assert [c.breached_at for c in breaches] == sorted((c.breached_at for c in breaches), reverse=True)
    lead_page = "leads:brief" if persona == "sales_manager" else "leads:detail"
    assert reverse(lead_page, args=[breaches[0].lead_id]) in response.content.decode()


def test_another_organization_s_figures_and_breaches_never_show(client_for, march, globex_admin):
    response = client_for(globex_admin).get(reverse("sla:sla"))
    assert response.context["overview"] is None
    assert list(response.context["page"].object_list) == []
    assert "No agreement is in force yet" in response.content.decode()


def test_without_an_agreement_in_force_managers_can_start_a_draft_and_reps_are_told_who_does(
    client_for, acme, sales_manager, rep
):
    html = client_for(sales_manager).get(reverse("sla:sla")).content.decode()
    assert "No agreement is in force yet" in html and "Start a draft" in html
    assert reverse("sla:agreements") in html
    html = client_for(rep).get(reverse("sla:sla")).content.decode()
    assert "No agreement is in force yet" in html and "Start a draft" not in html
    response = client_for(sales_manager).post(reverse("sla:agreement_new"))
    draft = Agreement.objects.get(org=acme)
    assert response.url == reverse("sla:agreement_edit", args=[draft.pk])


def test_a_proposal_waiting_for_signatures_is_named_on_the_empty_page(client_for, acme, sales_manager, rep):
    draft = create_agreement(by=sales_manager)
    update_agreement(by=sales_manager, agreement=draft, name="First SLA", summary="", at_risk_share=0.75,
                     objectives=OBJECTIVES[:1])  # fmt: skip
    propose_agreement(by=sales_manager, agreement=draft)
    html = client_for(rep).get(reverse("sla:sla")).content.decode()
    assert "First SLA</a> is proposed and waits for the managers' signatures" in html


def test_a_bad_page_number_shows_the_first_or_last_page_not_an_error(client_for, march, sales_manager):
    for page in ("abc", "-1", "999"):
        assert client_for(sales_manager).get(reverse("sla:sla"), {"page": page}).status_code == 200


def test_the_sla_page_costs_the_same_queries_with_many_breaches(
    client_for, acme, march, marketer, rep, sales_manager, django_assert_max_num_queries
):
    client = client_for(sales_manager)
    client.get(reverse("sla:sla"))  # the session and the organization's settings are warm
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("sla:sla"))
    for n in range(30):
        hand_off(acme, f"late{n}@initech.de", by=marketer, rep=rep, at=MONDAY_10 + timedelta(minutes=n))
    sweep_clocks(now=NOW)
    compute(march)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("sla:sla"))
    assert len(response.context["page"].object_list) == 25


# Versions, editor, signing


def editor_post(objectives: list[dict], **values) -> dict:
    """The editor's form as a browser sends it: one `objective` key per row, then the row's controls."""
    data = {"name": "Q2 SLA", "summary": "", "at_risk_percent": "75", "action": "save", **values}
    data["objective"] = [str(key) for key in range(len(objectives))]
    for key, objective in enumerate(objectives):
        for name, value in objective.items():
            data[f"objective-{key}-{name}"] = value
    return data


def test_the_versions_list_shows_each_version_with_status_signers_and_objectives(client_for, agreement, rep):
    response = client_for(rep).get(reverse("sla:agreements"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Version 1" in html and "Q1 SLA" in html and "Active" in html
    assert "Martin Manager" in html and "Sandra Manager" in html
    assert "New draft" not in html  # reps read; the managers draft


def test_a_version_page_reads_the_promises_signatures_and_history(client_for, agreement, rep):
    html = client_for(rep).get(reverse("sla:agreement", args=[agreement.pk])).content.decode()
    assert "Sales accepts or rejects a hand-off within 4 business hours" in html
    assert "Marketing delivers at least 40 qualified leads each month." in html
    for kind in ("Created", "Edited", "Proposed", "Signed", "Activated"):
        assert kind in html
    # A rep reads; no button to edit, sign or start a draft.
    assert reverse("sla:agreement_edit", args=[agreement.pk]) not in html
    assert 'action="/sla/agreements/' not in html


def test_saving_the_editor_writes_the_objectives_with_their_side_and_statement(client_for, acme, sales_manager):
    draft = create_agreement(by=sales_manager)
    objectives = [
        {"metric": "response_time", "target": "95", "period": "week", "hours": "2"},
        {"metric": "mqls_delivered", "target": "120", "period": "quarter", "statement": "Lots of MQLs."},
    ]
    response = client_for(sales_manager).post(reverse("sla:agreement_edit", args=[draft.pk]), editor_post(objectives))
    assert response.status_code == 302
    saved = list(draft.objectives.values_list("side", "metric", "target", "period", "hours", "statement"))
    assert saved == [
        ("sales", "response_time", 95, "week", 2,
         "Sales accepts or rejects a hand-off within 2 business hours (at least 95% of hand-offs each week)."),
        ("marketing", "mqls_delivered", 120, "quarter", None, "Lots of MQLs."),
    ]  # fmt: skip
    draft.refresh_from_db()
    assert (draft.name, draft.at_risk_share) == ("Q2 SLA", 0.75)
    assert AgreementEvent.objects.filter(agreement=draft, kind="edited", member=sales_manager).exists()


def test_the_editor_shows_each_refusal_beside_the_term_it_is_about(client_for, acme, marketing_manager):
    draft = create_agreement(by=marketing_manager)
    objectives = [
        {"metric": "response_time", "target": "90", "period": "month", "hours": ""},
        {"metric": "mql_acceptance", "target": "150", "period": "month"},
        {"metric": "follow_ups", "target": "60", "period": "month", "count": "3", "days": "0"},
    ]
    response = client_for(marketing_manager).post(
        reverse("sla:agreement_edit", args=[draft.pk]), editor_post(objectives, at_risk_percent="99")
    )
    assert response.status_code == 200
    forms = response.context["editor"].objectives
    assert forms[0].errors["hours"] == ["Give the business hours allowed: 1 to 720."]
    assert forms[1].errors["target"] == ["The target is a share from 1 to 100 percent."]
    assert "days" in forms[2].errors
    assert response.context["editor"].form.errors["at_risk_percent"]
    html = response.content.decode()
    row = html.split('data-testid="objective-row"')[1]
    assert row.index('id="id_objective-0-hours"') < row.index("Give the business hours allowed") < len(row)
    assert "Some values need a look" in html
    assert not draft.objectives.exists()


def test_the_editor_needs_at_least_one_objective(client_for, acme, sales_manager):
    draft = create_agreement(by=sales_manager)
    response = client_for(sales_manager).post(reverse("sla:agreement_edit", args=[draft.pk]), editor_post([]))
    assert response.status_code == 200
    assert "at least one objective" in response.content.decode()


def test_adding_and_removing_objectives_keeps_what_was_typed_and_writes_nothing(client_for, acme, sales_manager):
    draft = create_agreement(by=sales_manager)
    url = reverse("sla:agreement_edit", args=[draft.pk])
    typed = [{"metric": "close_rate", "target": "33", "period": "quarter"}]
    response = client_for(sales_manager).post(url, {**editor_post(typed), "action": "add", "new_metric": "follow_ups"})
    forms = response.context["editor"].objectives
    assert [f.metric_value for f in forms] == ["close_rate", "follow_ups"]
    assert forms[0]["target"].value() == "33"
    assert [term.name for term in forms[1].terms] == ["count", "days"]
    response = client_for(sales_manager).post(url, {**editor_post(typed * 2), "remove": "0"})
    assert [f.key for f in response.context["editor"].objectives] == [1]
    assert not draft.objectives.exists()


def test_picking_another_metric_brings_its_terms_with_a_usual_value(client_for, acme, sales_manager):
    draft = create_agreement(by=sales_manager)
    typed = [{"metric": "first_touch_time", "target": "80", "period": "month", "hours": ""}]
    response = client_for(sales_manager).post(
        reverse("sla:agreement_edit", args=[draft.pk]), {**editor_post(typed), "action": "refresh"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    form = response.context["editor"].objectives[0]
    assert form["hours"].value() == 4 and not form.errors
    html = response.content.decode()
    assert 'name="objective-0-hours"' in html and "invalid-feedback" not in html
    assert "<html" not in html  # only the objectives' region


def test_managers_propose_and_both_sign_through_the_pages_and_the_version_comes_into_force(
    client_for, acme, managers, agreement
):
    marketing, sales = managers
    response = client_for(sales).post(reverse("sla:agreement_new"), {"based_on": agreement.pk})
    draft = Agreement.objects.get(org=acme, number=2)
    assert draft.objectives.count() == len(OBJECTIVES)
    client_for(sales).post(reverse("sla:agreement_propose", args=[draft.pk]), {"comment": "Faster answers"})
    response = client_for(marketing).post(
        reverse("sla:agreement_sign", args=[draft.pk]), {"comment": "Fine"}, follow=True
    )
    assert "You signed version 2" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == A.PROPOSED
    response = client_for(sales).post(reverse("sla:agreement_sign", args=[draft.pk]), follow=True)
    assert "Both sides have signed: version 2 is the agreement in force" in response.content.decode()
    draft.refresh_from_db()
    agreement.refresh_from_db()
    assert (draft.status, agreement.status) == (A.ACTIVE, A.RETIRED)
    kinds = list(AuditEvent.objects.filter(org=acme, target="agreement 2").values_list("kind", flat=True))
    assert sorted(kinds) == ["agreement_activated", "agreement_signed", "agreement_signed"]
    html = response.content.decode()
    assert "You signed on" in html and "Faster answers" in html


def test_a_comment_too_long_to_keep_is_refused_and_the_signature_not_given(client_for, acme, managers, agreement):
    marketing, sales = managers
    client_for(sales).post(reverse("sla:agreement_new"), {"based_on": agreement.pk})
    draft = Agreement.objects.get(org=acme, number=2)
    client_for(sales).post(reverse("sla:agreement_propose", args=[draft.pk]))
    response = client_for(marketing).post(
        reverse("sla:agreement_sign", args=[draft.pk]), {"comment": "x" * 2001}, follow=True
    )
    assert "A comment has at most 2,000 characters; this one has 2,001." in response.content.decode()
    assert not AuditEvent.objects.filter(org=acme, target="agreement 2", kind="agreement_signed").exists()


def test_a_send_back_needs_a_comment_and_returns_the_proposal_to_draft_with_it(client_for, acme, managers):
    marketing, sales = managers
    draft = create_agreement(by=sales)
    update_agreement(by=sales, agreement=draft, name="x", summary="", at_risk_share=0.75, objectives=OBJECTIVES)
    propose_agreement(by=sales, agreement=draft)
    url = reverse("sla:agreement_send_back", args=[draft.pk])
    response = client_for(marketing).post(url, {"comment": "  "}, follow=True)
    assert "Say what should change." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == A.PROPOSED
    response = client_for(marketing).post(url, {"comment": "4 hours is too tight on Mondays"}, follow=True)
    draft.refresh_from_db()
    assert draft.status == A.DRAFT
    assert "4 hours is too tight on Mondays" in response.content.decode()
    assert AgreementEvent.objects.filter(agreement=draft, kind="sent_back", member=marketing).exists()


def test_an_admin_may_draft_but_not_sign_and_is_told_why(client_for, acme, admin, sales_manager):
    draft = create_agreement(by=sales_manager)
    update_agreement(by=sales_manager, agreement=draft, name="x", summary="", at_risk_share=0.75,
                     objectives=OBJECTIVES[:1])  # fmt: skip
    propose_agreement(by=sales_manager, agreement=draft)
    page = client_for(admin).get(reverse("sla:agreement", args=[draft.pk])).content.decode()
    assert reverse("sla:agreement_sign", args=[draft.pk]) not in page
    response = client_for(admin).post(reverse("sla:agreement_sign", args=[draft.pk]), follow=True)
    assert "Only a marketing manager and a sales manager sign the agreement." in response.content.decode()


def test_an_active_version_opens_read_only_in_the_editor(client_for, agreement, sales_manager):
    response = client_for(sales_manager).get(reverse("sla:agreement_edit", args=[agreement.pk]))
    assert response.url == reverse("sla:agreement", args=[agreement.pk])


def test_two_versions_compare_promise_by_promise(client_for, acme, sales_manager, agreement, rep):
    sales = sales_manager
    draft = create_agreement(by=sales, based_on=agreement)
    changed = [dict(o) for o in OBJECTIVES[1:]] + [{"metric": "close_rate", "target": 25}]
    changed[1]["hours"] = 2
    update_agreement(by=sales, agreement=draft, name="x", summary="", at_risk_share=0.75, objectives=changed)
    response = client_for(rep).get(reverse("sla:agreement_diff"), {"from": agreement.pk, "to": draft.pk})
    found = response.context["changes"]
    assert [c["kind"] for c in found] == ["changed", "added", "removed"]
    assert "within 2 business hours" in found[0]["text"] and "within 4 business hours" in found[0]["was"]
    assert found[1]["text"].startswith("Sales closes at least 25%")
    assert found[2]["text"] == "Marketing delivers at least 40 qualified leads each month."
    assert client_for(rep).get(reverse("sla:agreement_diff"), {"from": "x", "to": "1"}).status_code == 404


# Countdowns on the inbox and the lead pages


def countdowns(html: str) -> list[str]:
    return re.findall(r'<time datetime="([^"]+)" data-countdown', html)


def test_the_inbox_shows_a_live_countdown_for_each_running_clock(client_for, march, rep):
    running = LeadClock.objects.get(lead__email="fresh@initech.de")
    html = client_for(rep).get(reverse("leads:inbox")).content.decode()
    assert countdowns(html) == [running.due_at.isoformat()]
    row = html.split('data-testid="sla-clock"')[1].split("</td>")[0]
    # Handed off at 10:30 Berlin time on a Friday: 4 business hours are due at 14:30, 3 h 30 min from now.
    assert "3 h 30 min left" in row and "due Fri 14:30" in row and "On track" in row


def test_the_brief_and_the_lead_page_show_the_lead_s_clocks(client_for, march, rep, marketer):
    lead = Lead.objects.get(email="answered@initech.de")
    fresh = Lead.objects.get(email="fresh@initech.de")
    brief = client_for(rep).get(reverse("leads:brief", args=[fresh.pk])).content.decode()
    assert countdowns(brief) == [LeadClock.objects.get(lead=fresh).due_at.isoformat()]
    detail = client_for(marketer).get(reverse("leads:detail", args=[lead.pk])).content.decode()
    clocks = re.sub(r"<[^>]+>", " ", detail.split('data-testid="lead-clocks"')[1].split("card-footer")[0])
    assert countdowns(detail) == []  # every clock of this lead ended
    assert "Answer" in clocks and "Met" in clocks and "Follow-ups" in clocks and "Breached" in clocks


def test_the_inbox_costs_the_same_queries_with_many_running_clocks(
    client_for, acme, agreement, marketer, rep, django_assert_max_num_queries
):
    client = client_for(rep)
    hand_off(acme, "one@initech.de", by=marketer, rep=rep, at=NOW - timedelta(minutes=5))
    client.get(reverse("leads:inbox"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("leads:inbox"))
    for n in range(20):
        hand_off(acme, f"more{n}@initech.de", by=marketer, rep=rep, at=NOW - timedelta(minutes=n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("leads:inbox")).content.decode()
    assert len(countdowns(html)) == 21


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (3 * 86400 + 5 * 3600 + 10, "3 d 5 h left"),
        (2 * 3600 + 14 * 60 + 59, "2 h 14 min left"),
        (14 * 60 + 5, "14 min 05 s left"),
        (42, "42 s left"),
        (0, "0 s left"),
        (-35 * 60, "overdue by 35 min 00 s"),
        (-(2 * 3600 + 60), "overdue by 2 h 1 min"),
    ],
)
def test_a_countdown_says_the_time_left_or_how_long_overdue(seconds, words):
    assert time_left(seconds) == words
