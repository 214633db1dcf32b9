import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leads.models import Campaign, CriteriaVersion, Lead, LeadStatusChange
from tests.factories import store_evaluation

pytestmark = pytest.mark.django_db
QUEUE = reverse("leads:qualified")
S = Lead.Status
OUTCOMES = [
    {"rule": "Country is one of DE, AT", "result": "held", "reason": "Country DE is one of DE, AT", "required": True,
     "weight": 0},
    {"rule": "Employees ≥ 200", "result": "failed", "reason": "Employees 50 < 200", "required": False, "weight": 40},
    {"rule": "Budget is stated", "result": "unknown", "reason": "Budget unknown", "required": False, "weight": 20},
]  # fmt: skip
RULES = [
    {"attribute": "country", "operator": "in", "value": ["DE", "AT"], "required": True},
    {"attribute": "employees", "operator": "gte", "value": 200, "weight": 40},
    {"attribute": "budget", "operator": "known", "weight": 20},
]


@pytest.fixture
def version(marketer):
    return CriteriaVersion.objects.create(org=marketer.org, number=3, name="DACH", created_by=marketer)


def mql(org, email: str, fit: int, version=None, outcomes=None, **values) -> Lead:
    lead = Lead.objects.create(
        org=org, email=email, first_name=email.split("@")[0].title(), status=S.MQL, fit_score=fit,
        criteria_version=version, qualified_at=timezone.now(), **values,
    )  # fmt: skip
    if outcomes is not None:
        store_evaluation(lead, version, RULES, outcomes)
    return lead


def emails(response) -> list[str]:
    return [row["email"] for row in response.context["page"]]


def test_queue_shows_only_the_own_orgs_mqls_best_fit_first_with_reasons(client_for, marketer, version, globex):
    mql(marketer.org, "low@acme.test", 40, version)
    mql(marketer.org, "top@acme.test", 90, version, OUTCOMES, engagement_score=12.5)
    mql(marketer.org, "mid@acme.test", 70, version)
    Lead.objects.create(org=marketer.org, email="new@acme.test", status=S.NEW, fit_score=99)
    Lead.objects.create(org=marketer.org, email="gone@acme.test", status=S.HANDED_OFF, fit_score=95)
    mql(globex, "spy@globex.test", 100)
    response = client_for(marketer).get(QUEUE)
    assert response.status_code == 200
    assert emails(response) == ["top@acme.test", "mid@acme.test", "low@acme.test"]
    page = response.text
    assert "spy@globex.test" not in page and "new@acme.test" not in page
    row = page.split("top@acme.test")[1].split("</tr>")[0]
    assert ">90<" in row and ">12.5<" in row and ">v3<" in row
    assert re.search(r'class="badge reason-badge" title="Country DE is one of DE, AT">.*Country is one of DE, AT', row)
    assert re.search(r'class="reason-missed" title="Employees 50 &lt; 200">.*not met: </span>Employees ≥ 200', row)
    assert "unknown: </span>Budget is stated" in row
    assert "3 qualified leads waiting" in page and ">Actions</th>" in page


def test_filters_narrow_the_queue_by_campaign_source_and_minimum_fit(client_for, marketer, globex):
    spring = Campaign.objects.create(org=marketer.org, name="Spring")
    theirs = Campaign.objects.create(org=globex, name="Theirs")
    mql(marketer.org, "a@x.test", 80, campaign=spring, source="Webinar")
    mql(marketer.org, "b@x.test", 60, campaign=spring, source="Paid search")
    mql(marketer.org, "c@x.test", 90, source="webinar")
    client = client_for(marketer)
    assert emails(client.get(QUEUE, {"campaign": spring.pk})) == ["a@x.test", "b@x.test"]
    assert emails(client.get(QUEUE, {"source": "WEBINAR"})) == ["c@x.test", "a@x.test"]
    assert emails(client.get(QUEUE, {"fit_min": "70"})) == ["c@x.test", "a@x.test"]
    assert emails(client.get(QUEUE, {"campaign": spring.pk, "fit_min": "70"})) == ["a@x.test"]
    response = client.get(QUEUE, {"campaign": theirs.pk})
    assert "Theirs" not in response.text
    assert emails(response) == ["c@x.test", "a@x.test", "b@x.test"], "another org's campaign is no filter"
    assert "1 qualified lead matches your filters" in client.get(QUEUE, {"fit_min": "85"}).text


def test_a_filter_change_by_htmx_renders_only_the_table(client_for, marketer):
    mql(marketer.org, "a@x.test", 80)
    response = client_for(marketer).get(QUEUE, {"fit_min": "50"}, headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<div id="qualified-table">')
    assert "<html" not in response.text and "a@x.test" in response.text
    assert "HX-Request" in response["Vary"]


def test_the_queue_costs_the_same_queries_for_one_lead_or_a_full_page(client_for, marketer, version):
    client = client_for(marketer)
    mql(marketer.org, "first@x.test", 50, version, OUTCOMES)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as one:
        client.get(QUEUE)
    for n in range(60):
        mql(marketer.org, f"p{n}@x.test", n, version, OUTCOMES, campaign=Campaign.objects.create(org=marketer.org,
            name=f"C{n}"))  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        response = client.get(QUEUE, {"page": "1"})
    assert len(response.context["page"]) == 50
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_queue_pages_fifty_leads_at_a_time(client_for, marketer):
    for n in range(55):
        mql(marketer.org, f"p{n}@x.test", n)
    client = client_for(marketer)
    assert len(emails(client.get(QUEUE))) == 50
    assert len(emails(client.get(QUEUE, {"page": 2}))) == 5


def test_sales_may_not_open_the_queue(client_for, rep, sales_manager):
    assert client_for(rep).get(QUEUE).status_code == 403
    assert client_for(sales_manager).get(QUEUE).status_code == 403


# The lead page


def detail(lead: Lead) -> str:
    return reverse("leads:detail", args=[lead.pk])


def flashed(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_lead_page_shows_the_latest_evaluation_rule_by_rule(client_for, marketer, version):
    lead = mql(marketer.org, "jane@x.test", 67, version, OUTCOMES)
    page = client_for(marketer).get(detail(lead)).text
    card = page.split('data-testid="qualification-card"')[1].split('data-testid="rule-outcomes"')[0]
    assert "Meets the criteria" in card and "Version 3" in card and "Fit 67 (50 needed)" in card
    outcomes = page.split('data-testid="rule-outcomes"')[1].split("</ul>")[0]
    assert outcomes.count('class="outcome outcome-held"') == 1 and "Country DE is one of DE, AT" in outcomes
    assert 'class="outcome outcome-failed"' in outcomes and "Employees 50 &lt; 200" in outcomes
    assert 'class="outcome outcome-unknown"' in outcomes and "weight 20" in outcomes
    assert ">Qualify by hand</button>" not in page, "an MQL is qualified already"
    assert ">Disqualify</button>" in page


def test_marketer_qualifies_a_lead_by_hand_with_a_reason(client_for, marketer):
    lead = Lead.objects.create(org=marketer.org, email="jane@x.test", status=S.NURTURING)
    client = client_for(marketer)
    assert ">Qualify by hand</button>" in client.get(detail(lead)).text
    response = client.post(
        reverse("leads:qualify", args=[lead.pk]), {"reason": "Met at the fair", "seen_status": "nurturing"}, follow=True
    )
    assert flashed(response) == ["Qualified by hand: the lead is in the qualified queue now."]
    lead.refresh_from_db()
    assert (lead.status, lead.qualified_by) == (S.MQL, marketer)
    assert LeadStatusChange.objects.get(lead=lead).note == "Qualified by hand: Met at the fair"
    assert "Qualified by hand: the criteria never take it back." in response.text
    assert emails(client.get(QUEUE)) == ["jane@x.test"]


def test_qualifying_or_disqualifying_without_a_reason_changes_nothing_and_says_why(client_for, marketer):
    lead = Lead.objects.create(org=marketer.org, email="jane@x.test")
    client = client_for(marketer)
    response = client.post(reverse("leads:qualify", args=[lead.pk]), {"reason": "  "}, follow=True)
    assert flashed(response) == ["Say why this lead qualifies."]
    response = client.post(reverse("leads:disqualify", args=[lead.pk]), {"reason": ""}, follow=True)
    assert flashed(response) == ["Say why this lead is no fit."]
    lead.refresh_from_db()
    assert lead.status == S.NEW and not LeadStatusChange.objects.exists()


def test_marketer_disqualifies_a_lead_with_a_reason(client_for, marketer):
    lead = Lead.objects.create(org=marketer.org, email="jane@x.test", status=S.MQL)
    response = client_for(marketer).post(
        reverse("leads:disqualify", args=[lead.pk]), {"reason": "Student", "seen_status": "mql"}, follow=True
    )
    assert flashed(response) == ["The lead is disqualified."]
    lead.refresh_from_db()
    assert lead.status == S.DISQUALIFIED
    assert ">Disqualify</button>" not in response.text and ">Qualify by hand</button>" not in response.text


def test_a_lead_changed_meanwhile_is_not_changed_and_the_page_says_so(client_for, marketer):
    lead = Lead.objects.create(org=marketer.org, email="jane@x.test", status=S.NEW)
    Lead.objects.filter(pk=lead.pk).update(status=S.NURTURING)  # a job moved it after the page was shown
    response = client_for(marketer).post(
        reverse("leads:qualify", args=[lead.pk]), {"reason": "Hot", "seen_status": "new"}, follow=True
    )
    assert flashed(response) == ["Someone else changed this lead first: it is now nurturing."]
    lead.refresh_from_db()
    assert lead.status == S.NURTURING and lead.qualified_by is None


def test_qualifying_is_for_marketing_and_the_own_org_only(client_for, marketer, sales_manager, globex):
    theirs = Lead.objects.create(org=globex, email="spy@globex.test")
    assert client_for(marketer).post(reverse("leads:qualify", args=[theirs.pk]), {"reason": "x"}).status_code == 404
    ours = Lead.objects.create(org=marketer.org, email="jane@x.test")
    response = client_for(sales_manager).post(reverse("leads:disqualify", args=[ours.pk]), {"reason": "x"})
    assert response.status_code == 403
    theirs.refresh_from_db(), ours.refresh_from_db()
    assert theirs.status == ours.status == S.NEW
