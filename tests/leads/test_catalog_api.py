import pytest
from django.urls import reverse

from leads.models import Campaign, ContentAsset, EngagementEvent, Lead
from tests.conftest import api_client

pytestmark = pytest.mark.django_db


def test_marketer_creates_renames_and_deletes_a_campaign(marketer):
    client = api_client(marketer)
    created = client.post(reverse("api:campaigns"), {"name": "Q3 webinars", "external_id": "c-9"}, format="json")
    assert created.status_code == 201
    pk = created.json()["id"]
    renamed = client.patch(reverse("api:campaign", args=[pk]), {"name": "Q3 webinar series"}, format="json")
    assert renamed.json()["name"] == "Q3 webinar series"
    assert client.delete(reverse("api:campaign", args=[pk])).status_code == 204
    assert not Campaign.objects.exists()


def test_a_campaign_external_id_is_unique_in_the_org_only(marketer, globex_admin):
    api_client(globex_admin).post(reverse("api:campaigns"), {"name": "Theirs", "external_id": "c-1"}, format="json")
    client = api_client(marketer)
    assert client.post(reverse("api:campaigns"), {"name": "A", "external_id": "c-1"}, format="json").status_code == 201
    second = client.post(reverse("api:campaigns"), {"name": "B", "external_id": "c-1"}, format="json")
    assert second.status_code == 400
    assert second.json()["fields"] == {"external_id": ["Already used in your organization."]}


def test_campaign_dates_must_be_in_order(marketer):
    body = {"name": "Backwards", "starts_on": "2026-05-01", "ends_on": "2026-04-01"}
    response = api_client(marketer).post(reverse("api:campaigns"), body, format="json")
    assert response.status_code == 400 and "ends_on" in response.json()["fields"]


def test_a_campaign_with_leads_cannot_be_deleted_only_archived(marketer, campaign):
    Lead.objects.create(org=campaign.org, email="a@b.test", campaign=campaign)
    client = api_client(marketer)
    refused = client.delete(reverse("api:campaign", args=[campaign.pk]))
    assert refused.status_code == 409 and "archive" in refused.json()["message"]
    archived = client.patch(reverse("api:campaign", args=[campaign.pk]), {"is_active": False}, format="json")
    assert archived.json()["is_active"] is False


def test_content_names_only_campaigns_of_the_own_org(marketer, globex):
    theirs = Campaign.objects.create(org=globex, name="Theirs")
    client = api_client(marketer)
    refused = client.post(reverse("api:content-assets"), {"title": "Guide", "campaign": theirs.pk}, format="json")
    assert refused.status_code == 400 and "campaign" in refused.json()["fields"]
    created = client.post(
        reverse("api:content-assets"),
        {"title": "Guide", "kind": "ebook", "topics": ["churn", "onboarding"], "url": "https://acme.test/guide"},
        format="json",
    )
    assert created.status_code == 201
    assert ContentAsset.objects.get().topics == ["churn", "onboarding"]


def test_content_leads_engaged_with_cannot_be_deleted(marketer, asset):
    lead = Lead.objects.create(org=asset.org, email="a@b.test")
    EngagementEvent.objects.create(org=asset.org, lead=lead, asset=asset, kind="view", occurred_at="2026-01-01T00:00Z")
    assert api_client(marketer).delete(reverse("api:content-asset", args=[asset.pk])).status_code == 409


def test_reps_read_campaigns_but_cannot_change_them(rep, campaign):
    client = api_client(rep)
    assert client.get(reverse("api:campaigns")).json()["count"] == 1
    assert client.patch(reverse("api:campaign", args=[campaign.pk]), {"name": "x"}, format="json").status_code == 403
