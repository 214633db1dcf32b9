from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from leads.models import Campaign, Company, ContentAsset, EngagementEvent, Lead

pytestmark = pytest.mark.django_db
COMPANIES = reverse("leads:companies")
CAMPAIGNS = reverse("leads:campaigns")
ASSETS = reverse("leads:assets")


def flashes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# Companies


def test_companies_list_shows_own_companies_with_lead_counts(client_for, marketer, globex):
    initech = Company.objects.create(org=marketer.org, name="Initech", domain="initech.com")
    Company.objects.create(org=marketer.org, name="Hooli", domain="hooli.com")
    Company.objects.create(org=globex, name="Globex Corp", domain="globex.com")
    for n in range(3):
        Lead.objects.create(org=marketer.org, email=f"p{n}@initech.com", company=initech)
    response = client_for(marketer).get(COMPANIES)
    assert response.status_code == 200
    counts = {c.name: c.lead_count for c in response.context["page"]}
    assert counts == {"Hooli": 0, "Initech": 3}
    assert "Globex Corp" not in response.text


def test_companies_are_found_by_name_or_domain(client_for, marketer):
    Company.objects.create(org=marketer.org, name="Initech", domain="initech.com")
    Company.objects.create(org=marketer.org, name="Hooli", domain="hooli.io")
    client = client_for(marketer)
    assert [c.name for c in client.get(COMPANIES, {"q": "INIT"}).context["page"]] == ["Initech"]
    assert [c.name for c in client.get(COMPANIES, {"q": "hooli.io"}).context["page"]] == ["Hooli"]
    htmx = client.get(COMPANIES, {"q": "nothing"}, headers={"HX-Request": "true"})
    assert htmx.text.lstrip().startswith('<div id="company-table">') and "No company matches" in htmx.text


def test_company_page_shows_its_facts_and_its_leads_only(client_for, marketer):
    initech = Company.objects.create(
        org=marketer.org, name="Initech", domain="initech.com", industry="Software", employees=1200, country="US"
    )
    Lead.objects.create(org=marketer.org, email="jane@initech.com", first_name="Jane", company=initech)
    Lead.objects.create(org=marketer.org, email="bob@hooli.com", first_name="Bob")
    response = client_for(marketer).get(reverse("leads:company", args=[initech.pk]))
    assert response.status_code == 200
    for shown in ("Initech", "Software", "1,200", "United States of America", "jane@initech.com"):
        assert shown in response.text
    assert "bob@hooli.com" not in response.text


def test_company_of_another_org_answers_404(client_for, marketer, globex):
    theirs = Company.objects.create(org=globex, name="Globex Corp", domain="globex.com")
    assert client_for(marketer).get(reverse("leads:company", args=[theirs.pk])).status_code == 404


# Campaigns


def test_campaigns_list_shows_lead_and_content_counts_of_own_campaigns(client_for, marketer, globex, campaign):
    Campaign.objects.create(org=marketer.org, name="Quiet campaign")
    Campaign.objects.create(org=globex, name="Globex launch")
    for n in range(2):
        Lead.objects.create(org=marketer.org, email=f"p{n}@x.test", campaign=campaign)
    ContentAsset.objects.create(org=marketer.org, title="Guide", campaign=campaign)
    response = client_for(marketer).get(CAMPAIGNS)
    figures = {c.name: (c.lead_count, c.asset_count) for c in response.context["page"]}
    assert figures == {"Spring webinar series": (2, 1), "Quiet campaign": (0, 0)}
    assert "Globex launch" not in response.text
    assert "New campaign" in response.text


def test_marketer_creates_a_campaign_and_lands_on_it(client_for, marketer):
    data = {"name": "Autumn webinars", "channel": "Webinar", "starts_on": "2026-09-01", "ends_on": "2026-10-31"}
    response = client_for(marketer).post(CAMPAIGNS, data | {"is_active": "on"}, follow=True)
    created = Campaign.objects.get(org=marketer.org)
    assert (created.name, created.channel, str(created.ends_on), created.is_active) == (
        "Autumn webinars", "Webinar", "2026-10-31", True,
    )  # fmt: skip
    assert response.redirect_chain[-1][0] == reverse("leads:campaign", args=[created.pk])
    assert "Campaign “Autumn webinars” is created." in response.text


def test_campaign_form_errors_show_in_place_and_create_nothing(client_for, marketer, campaign):
    client = client_for(marketer)
    missing = client.post(CAMPAIGNS, {"name": ""})
    assert missing.status_code == 200 and "This field is required." in missing.text
    backwards = client.post(CAMPAIGNS, {"name": "Backwards", "starts_on": "2026-05-01", "ends_on": "2026-04-01"})
    assert "A campaign ends on or after the day it starts." in backwards.text
    # The service refuses a taken external id; the form shows it beside the field.
    taken = client.post(CAMPAIGNS, {"name": "Copy", "external_id": campaign.external_id})
    assert taken.status_code == 200 and "Already used in your organization." in taken.text
    assert list(Campaign.objects.values_list("name", flat=True)) == ["Spring webinar series"]


def test_campaign_page_shows_its_content_and_newest_leads(client_for, marketer, campaign, asset):
    asset.campaign = campaign
    asset.save(update_fields=["campaign"])
    Lead.objects.create(
        org=marketer.org, email="old@x.test", campaign=campaign, created_at=timezone.now() - timedelta(9)
    )
    Lead.objects.create(org=marketer.org, email="new@x.test", campaign=campaign)
    Lead.objects.create(org=marketer.org, email="other@x.test")
    response = client_for(marketer).get(reverse("leads:campaign", args=[campaign.pk]))
    assert response.status_code == 200
    assert "Cost of churn whitepaper" in response.text
    assert [lead["email"] for lead in response.context["leads"]] == ["new@x.test", "old@x.test"]
    assert f"{reverse('leads:list')}?campaign={campaign.pk}" in response.text


def test_marketer_edits_a_campaign(client_for, marketer, campaign):
    client = client_for(marketer)
    url = reverse("leads:campaign", args=[campaign.pk])
    form = client.get(url).context["form"]
    assert form.initial["name"] == "Spring webinar series"
    data = {"action": "save", "name": "Spring webinars 2026", "channel": "Webinar", "external_id": "cmp-1"}
    response = client.post(url, data)
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.channel, campaign.is_active) == ("Spring webinars 2026", "Webinar", False)
    invalid = client.post(url, data | {"name": ""})
    assert invalid.status_code == 200 and "This field is required." in invalid.text


def test_marketer_deletes_a_campaign_without_leads(client_for, marketer, campaign):
    response = client_for(marketer).post(reverse("leads:campaign", args=[campaign.pk]), {"action": "delete"})
    assert response.status_code == 302 and response.url == CAMPAIGNS
    assert not Campaign.objects.exists()
    assert flashes(response) == ["Campaign “Spring webinar series” is deleted."]


def test_a_campaign_leads_came_from_is_not_deleted_and_the_page_says_why(client_for, marketer, campaign):
    Lead.objects.create(org=marketer.org, email="jane@x.test", campaign=campaign)
    url = reverse("leads:campaign", args=[campaign.pk])
    response = client_for(marketer).post(url, {"action": "delete"}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert Campaign.objects.filter(pk=campaign.pk).exists()
    assert "Leads came from this campaign; archive it instead" in response.text


def test_campaign_of_another_org_answers_404_to_reading_editing_and_deleting(client_for, marketer, globex):
    theirs = Campaign.objects.create(org=globex, name="Globex launch")
    client = client_for(marketer)
    url = reverse("leads:campaign", args=[theirs.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "save", "name": "Mine now"}).status_code == 404
    assert client.post(url, {"action": "delete"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Globex launch"


def test_sales_rep_may_not_create_campaigns(client_for, rep):
    assert client_for(rep).post(CAMPAIGNS, {"name": "Sneaky"}).status_code == 403
    assert not Campaign.objects.exists()


# Content


def test_content_list_shows_kind_topics_and_engagement_of_own_content(client_for, marketer, globex, asset):
    asset.topics = ["cost of churn", "onboarding"]
    asset.save(update_fields=["topics"])
    ContentAsset.objects.create(org=globex, title="Globex brochure")
    now = timezone.now()
    jane = Lead.objects.create(org=marketer.org, email="jane@x.test")
    bob = Lead.objects.create(org=marketer.org, email="bob@x.test")
    for lead, kind in ((jane, "view"), (jane, "download"), (bob, "view")):
        EngagementEvent.objects.create(org=marketer.org, lead=lead, asset=asset, kind=kind, occurred_at=now)
    response = client_for(marketer).get(ASSETS)
    shown = response.context["page"][0]
    assert (shown.title, shown.touch_count, shown.lead_count) == ("Cost of churn whitepaper", 3, 2)
    assert "Whitepaper" in response.text and "cost of churn" in response.text and "onboarding" in response.text
    assert "Globex brochure" not in response.text


def test_marketer_adds_content_with_comma_separated_topics(client_for, marketer, campaign):
    data = {
        "title": "Retention webinar",
        "kind": "webinar",
        "url": "https://acme.example/webinars/retention",
        "topics": " cost of churn,onboarding , , Cost of Churn",
        "campaign": campaign.pk,
    }
    response = client_for(marketer).post(ASSETS, data)
    created = ContentAsset.objects.get(org=marketer.org)
    assert response.status_code == 302 and response.url == reverse("leads:asset", args=[created.pk])
    assert (created.kind, created.topics, created.campaign) == ("webinar", ["cost of churn", "onboarding"], campaign)


def test_content_form_refuses_another_orgs_campaign_and_bad_input(client_for, marketer, globex):
    theirs = Campaign.objects.create(org=globex, name="Globex launch")
    client = client_for(marketer)
    form_page = client.get(ASSETS)
    assert "Globex launch" not in form_page.text
    response = client.post(ASSETS, {"title": "Guide", "kind": "ebook", "campaign": theirs.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    bad = client.post(ASSETS, {"title": "", "kind": "podcast", "url": "javascript:alert(1)", "topics": "x" * 81})
    errors = bad.context["form"].errors
    assert set(errors) == {"title", "kind", "url", "topics"}
    assert not ContentAsset.objects.filter(org=marketer.org).exists()


def test_marketer_edits_content(client_for, marketer, asset, campaign):
    asset.topics = ["cost of churn"]
    asset.save(update_fields=["topics"])
    client = client_for(marketer)
    url = reverse("leads:asset", args=[asset.pk])
    page = client.get(url)
    assert 'value="cost of churn"' in page.text
    data = {"action": "save", "title": "Churn guide", "kind": "ebook", "topics": "churn, retention"}
    response = client.post(url, data | {"campaign": campaign.pk, "external_id": "wp-1"})
    assert response.status_code == 302
    asset.refresh_from_db()
    assert (asset.title, asset.kind, asset.topics, asset.campaign) == (
        "Churn guide",
        "ebook",
        ["churn", "retention"],
        campaign,
    )


def test_content_nobody_engaged_with_is_deleted_else_kept_with_a_reason(client_for, marketer, asset):
    client = client_for(marketer)
    lonely = ContentAsset.objects.create(org=marketer.org, title="Draft post", kind="blog_post")
    gone = client.post(reverse("leads:asset", args=[lonely.pk]), {"action": "delete"})
    assert gone.status_code == 302 and gone.url == ASSETS
    assert not ContentAsset.objects.filter(pk=lonely.pk).exists()
    lead = Lead.objects.create(org=marketer.org, email="jane@x.test")
    EngagementEvent.objects.create(org=marketer.org, lead=lead, asset=asset, kind="view", occurred_at=timezone.now())
    kept = client.post(reverse("leads:asset", args=[asset.pk]), {"action": "delete"}, follow=True)
    assert ContentAsset.objects.filter(pk=asset.pk).exists()
    assert "Leads engaged with this asset" in kept.text


def test_content_of_another_org_answers_404(client_for, marketer, globex):
    theirs = ContentAsset.objects.create(org=globex, title="Globex brochure")
    client = client_for(marketer)
    url = reverse("leads:asset", args=[theirs.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "delete"}).status_code == 404
    assert ContentAsset.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("name", ["leads:companies", "leads:campaigns", "leads:assets"])
def test_catalog_pages_have_no_inline_styles(client_for, marketer, name):
    page = client_for(marketer).get(reverse(name)).text
    assert "style=" not in page and "<script>" not in page
