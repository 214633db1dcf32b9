from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leads.models import Campaign, Company, ContentAsset, EngagementEvent, Lead
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
LIST = reverse("leads:list")


def make_leads(org, count: int, **values) -> list[Lead]:
    start = Lead.objects.count()
    return Lead.objects.bulk_create(
        Lead(
            org=org, email=f"person{start + i}@{org.slug}.test", first_name="Person", last_name=str(start + i), **values
        )
        for i in range(count)
    )


def names_in(response) -> set[str]:
    return {lead["email"] for lead in response.context["page"]}


def test_marketer_sees_own_leads_and_never_another_orgs(client_for, marketer, globex):
    company = Company.objects.create(org=marketer.org, name="Initech", domain="initech.com")
    campaign = Campaign.objects.create(org=marketer.org, name="Spring webinars")
    Lead.objects.create(
        org=marketer.org, email="jane@initech.com", first_name="Jane", last_name="Doe", company=company,
        campaign=campaign, source="Webinar", status=Lead.Status.MQL, fit_score=72, engagement_score=18.5,
    )  # fmt: skip
    Campaign.objects.create(org=globex, name="Globex secret campaign")
    Lead.objects.create(org=globex, email="spy@globex.test", first_name="Sam", last_name="Spy")
    response = client_for(marketer).get(LIST)
    assert response.status_code == 200
    page = response.text
    for shown in ("Jane Doe", "jane@initech.com", "Initech", "Spring webinars", "Webinar", "MQL", "72", "18.5"):
        assert shown in page
    assert f"/companies/{company.pk}/" in page and f"/campaigns/{campaign.pk}/" in page
    assert "spy@globex.test" not in page and "Globex secret campaign" not in page
    assert "1 lead" in page


def test_sales_rep_may_not_open_the_lead_list(client_for, rep):
    assert client_for(rep).get(LIST).status_code == 403


def test_status_filter_keeps_the_leads_in_any_chosen_status(client_for, marketer):
    make_leads(marketer.org, 2, status=Lead.Status.MQL)
    make_leads(marketer.org, 1, status=Lead.Status.WON)
    make_leads(marketer.org, 3, status=Lead.Status.NEW)
    client = client_for(marketer)
    assert len(names_in(client.get(LIST, {"status": "mql"}))) == 2
    assert len(names_in(client.get(LIST, {"status": ["mql", "won"]}))) == 3
    assert "3 leads match your filters" in client.get(LIST, {"status": "new"}).text


def test_campaign_filter_offers_own_campaigns_and_shows_their_leads(client_for, marketer, globex):
    spring = Campaign.objects.create(org=marketer.org, name="Spring")
    autumn = Campaign.objects.create(org=marketer.org, name="Autumn")
    theirs = Campaign.objects.create(org=globex, name="Their campaign")
    make_leads(marketer.org, 2, campaign=spring)
    make_leads(marketer.org, 1, campaign=autumn)
    make_leads(globex, 1, campaign=theirs)
    client = client_for(marketer)
    response = client.get(LIST, {"campaign": spring.pk})
    assert len(names_in(response)) == 2
    assert f'<option value="{spring.pk}" selected>Spring</option>' in response.text
    assert "Their campaign" not in response.text
    # Another organization's campaign is no choice here: the filter is ignored, never a way in.
    assert names_in(client.get(LIST, {"campaign": theirs.pk})) == names_in(client.get(LIST))


def test_search_finds_leads_by_name_email_or_company_whatever_the_case(client_for, marketer):
    Lead.objects.create(org=marketer.org, email="jane@initech.com", first_name="Jane", last_name="Doe")
    Lead.objects.create(org=marketer.org, email="bob@hooli.com", first_name="Bob", company_name="Hooli Inc")
    client = client_for(marketer)
    assert names_in(client.get(LIST, {"q": "JANE"})) == {"jane@initech.com"}
    assert names_in(client.get(LIST, {"q": "hooli"})) == {"bob@hooli.com"}
    assert names_in(client.get(LIST, {"q": "initech.com"})) == {"jane@initech.com"}
    nothing = client.get(LIST, {"q": "nobody"})
    assert names_in(nothing) == set() and "No leads match these filters." in nothing.text


def test_score_ranges_narrow_the_list_inclusively(client_for, marketer):
    Lead.objects.create(org=marketer.org, email="low@x.test", fit_score=20, engagement_score=1)
    Lead.objects.create(org=marketer.org, email="mid@x.test", fit_score=50, engagement_score=10)
    Lead.objects.create(org=marketer.org, email="high@x.test", fit_score=90, engagement_score=40.5)
    client = client_for(marketer)
    assert names_in(client.get(LIST, {"fit_score_min": 50})) == {"mid@x.test", "high@x.test"}
    assert names_in(client.get(LIST, {"fit_score_min": 30, "fit_score_max": 60})) == {"mid@x.test"}
    assert names_in(client.get(LIST, {"engagement_score_min": "10", "engagement_score_max": "40"})) == {"mid@x.test"}


def test_created_dates_are_whole_days_in_the_orgs_time_zone(client_for, marketer):
    berlin = ZoneInfo(marketer.org.time_zone)
    # 00:30 on 2 March in Berlin is still 1 March in UTC: it belongs to 2 March for the marketer.
    Lead.objects.create(org=marketer.org, email="early@x.test", created_at=datetime(2026, 3, 2, 0, 30, tzinfo=berlin))
    Lead.objects.create(org=marketer.org, email="late@x.test", created_at=datetime(2026, 3, 2, 23, 50, tzinfo=berlin))
    Lead.objects.create(org=marketer.org, email="next@x.test", created_at=datetime(2026, 3, 3, 0, 10, tzinfo=berlin))
    client = client_for(marketer)
    one_day = {"created_from": "2026-03-02", "created_to": "2026-03-02"}
    assert names_in(client.get(LIST, one_day)) == {"early@x.test", "late@x.test"}
    assert names_in(client.get(LIST, {"created_from": "2026-03-03"})) == {"next@x.test"}


def test_a_filter_change_by_htmx_renders_only_the_table(client_for, marketer):
    make_leads(marketer.org, 3)
    response = client_for(marketer).get(LIST, {"q": "person"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="lead-table">')
    assert "<html" not in response.text and 'name="q"' not in response.text
    assert "3 leads match your filters" in response.text
    assert "HX-Request" in response["Vary"]


def test_the_list_shows_fifty_leads_a_page_and_page_links_keep_the_filters(client_for, marketer):
    make_leads(marketer.org, 55, status=Lead.Status.NURTURING)
    client = client_for(marketer)
    first = client.get(LIST, {"status": "nurturing"})
    assert len(first.context["page"].object_list) == 50
    assert "status=nurturing&amp;page=2" in first.text
    second = client.get(LIST, {"status": "nurturing", "page": 2})
    assert len(second.context["page"].object_list) == 5
    assert not names_in(first) & names_in(second)


def test_past_the_counted_leads_the_pager_says_more_and_next_leads_on(client_for, marketer, monkeypatch):
    monkeypatch.setattr("leads.views.leads.LIST_COUNT_CAP", 60)
    make_leads(marketer.org, 130)
    client = client_for(marketer)
    first = client.get(LIST)
    assert "60+ leads" in first.text and "1–50 of 60+" in first.text and "Page 1 of 2+" in first.text
    assert "page=2" in first.text
    # Each page counts on from where it starts, so paging never stops at the cap.
    third = client.get(LIST, {"page": 3})
    assert third.context["page"].number == 3 and len(third.context["page"].object_list) == 30
    assert "101–130 of 130" in third.text and "Page 3 of 3" in third.text and "page=4" not in third.text


@pytest.mark.parametrize("page", ["0", "-3", "abc", "9" * 40, "1e9", "1000000000000"])
def test_any_page_number_answers_a_page_of_the_list(client_for, marketer, page):
    make_leads(marketer.org, 3)
    response = client_for(marketer).get(LIST, {"page": page})
    assert response.status_code == 200 and len(response.context["page"].object_list) == 3


def test_the_filter_bar_offers_each_org_only_its_own_campaigns_and_owners(client_for, marketer, globex):
    Campaign.objects.create(org=marketer.org, name="Acme spring webinar")
    Campaign.objects.create(org=globex, name="Globex secret launch")
    other = MembershipFactory(org=globex)
    client_for(marketer).get(LIST)  # the form class is made once per process: nothing of this org may stick
    theirs = client_for(other).get(LIST)
    assert "Globex secret launch" in theirs.text and "Acme spring webinar" not in theirs.text
    assert marketer.name not in theirs.text
    ours = client_for(marketer).get(LIST)
    assert "Acme spring webinar" in ours.text and "Globex secret launch" not in ours.text
    assert other.name not in ours.text


def test_the_list_costs_the_same_queries_for_sixty_leads_as_for_five(
    client_for, marketer, django_assert_max_num_queries
):
    client = client_for(marketer)

    def queries(count: int) -> int:
        Lead.objects.filter(org=marketer.org).delete()
        for n in range(count):
            company = Company.objects.create(org=marketer.org, name=f"Co {count}-{n}", domain=f"co{count}-{n}.test")
            campaign = Campaign.objects.create(org=marketer.org, name=f"Campaign {count}-{n}")
            Lead.objects.create(org=marketer.org, email=f"p{n}@{company.domain}", company=company, campaign=campaign)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST, {"status": ["new", "mql"], "q": "p"}).status_code == 200
        # DISTINCT would make PostgreSQL sort every matching lead instead of reading the newest 50.
        assert not [q for q in captured if "DISTINCT" in q["sql"]]
        return len(captured)

    assert queries(5) == queries(60)
    # Session, user and membership; campaign and owner choices; the count; the page of rows.
    with django_assert_max_num_queries(7):
        client.get(LIST)


def test_the_list_offers_importing_when_there_are_no_leads(client_for, marketer):
    response = client_for(marketer).get(LIST)
    assert "No leads yet" in response.text and reverse("leads:import_start") in response.text


def test_lead_page_shows_facts_stages_and_engagement_newest_first(client_for, marketer):
    org = marketer.org
    company = Company.objects.create(org=org, name="Initech", domain="initech.com", industry="Software")
    campaign = Campaign.objects.create(org=org, name="Spring webinars")
    now = timezone.now()
    lead = Lead.objects.create(
        org=org, email="jane@initech.com", first_name="Jane", last_name="Doe", job_title="CTO", company=company,
        campaign=campaign, country="DE", buying_authority=Lead.BuyingAuthority.DECISION_MAKER, budget=50000,
        timeline=Lead.Timeline.WITHIN_3_MONTHS, pain_points=["Churn <b>too high</b>"], current_supplier="Globex",
        notes="Met at the expo", qualified_at=now - timedelta(days=1), engagement_score=15,
    )  # fmt: skip
    whitepaper = ContentAsset.objects.create(org=org, title="Cost of churn whitepaper", kind="whitepaper")
    webinar = ContentAsset.objects.create(org=org, title="Retention webinar", kind="webinar")
    EngagementEvent.objects.create(
        org=org, lead=lead, asset=whitepaper, kind="download", occurred_at=now - timedelta(days=3)
    )
    EngagementEvent.objects.create(
        org=org, lead=lead, asset=webinar, kind="attend", occurred_at=now - timedelta(hours=2)
    )
    response = client_for(marketer).get(reverse("leads:detail", args=[lead.pk]))
    assert response.status_code == 200
    page = response.text
    for shown in (
        "Jane Doe",
        "CTO",
        "Germany",
        "Decision maker",
        "50,000",
        "Within 3 months",
        "Globex",
        "Met at the expo",
    ):
        assert shown in page
    assert "Churn &lt;b&gt;too high&lt;/b&gt;" in page
    assert reverse("leads:company", args=[company.pk]) in page
    assert reverse("leads:campaign", args=[campaign.pk]) in page
    assert "Qualified (MQL)" in page and "Handed off" in page
    # The score's parts by kind, with the kinds' labels; the timeline newest first.
    assert "Attended" in page and "Downloaded" in page
    assert page.index("Retention webinar") < page.index("Cost of churn whitepaper")
    assert "2\xa0hours ago" in page or "2 hours ago" in page
    assert [p.kind for _, p in response.context["score_parts"]] == ["attend", "download"]


def test_lead_of_another_org_answers_404(client_for, marketer, globex):
    theirs = Lead.objects.create(org=globex, email="spy@globex.test")
    assert client_for(marketer).get(reverse("leads:detail", args=[theirs.pk])).status_code == 404


def test_lead_pages_have_no_inline_styles_or_scripts(client_for, marketer):
    lead = make_leads(marketer.org, 1)[0]
    client = client_for(marketer)
    for url in (LIST, reverse("leads:detail", args=[lead.pk])):
        page = client.get(url).text
        assert "style=" not in page
        assert "<script>" not in page


def test_another_member_sees_the_same_lead_list_shared_by_url(client_for, marketer, marketing_manager):
    make_leads(marketer.org, 2, status=Lead.Status.MQL, source="Webinar")
    make_leads(marketer.org, 2, status=Lead.Status.MQL, source="Referral")
    url = f"{LIST}?status=mql&source=webinar"
    assert names_in(client_for(marketer).get(url)) == names_in(client_for(marketing_manager).get(url))
    assert len(names_in(client_for(marketing_manager).get(url))) == 2


def test_owner_filter_lists_colleagues_and_shows_their_leads(client_for, marketer, rep, rep2):
    make_leads(marketer.org, 2, owner=rep)
    make_leads(marketer.org, 1, owner=rep2)
    outsider = MembershipFactory(user__full_name="Olga Outsider")
    response = client_for(marketer).get(LIST, {"owner": rep.pk})
    assert len(names_in(response)) == 2
    assert "Rafael Rep" in response.text and "Olga Outsider" not in response.text
    assert outsider.org != marketer.org


def test_a_search_run_often_is_prepared_once_and_still_planned_for_each_term(client_for, marketer):
    make_leads(marketer.org, 30)
    client = client_for(marketer)
    # psycopg prepares a query on its fifth run; PostgreSQL left to itself would then try five plans
    # made for the values and, from the sixth run on, keep one generic plan if it looks no dearer.
    terms = [f"person{n}" for n in range(20)] + ["zzqx", "qq", "erso", "3"]
    for term in terms:
        assert client.get(LIST, {"q": term}).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT generic_plans, custom_plans FROM pg_prepared_statements
               WHERE statement LIKE '%%FROM "leads_lead"%%' AND statement LIKE '%%search_text%%'"""
        )
        plans = cursor.fetchall()
    # Parsed once: the page's search is a prepared statement of this connection by now ...
    assert plans
    # ... and each run after that was planned for its own term, never with one plan for all.
    assert all(generic == 0 for generic, _ in plans)
    assert sum(custom for _, custom in plans) >= len(terms) - 5
