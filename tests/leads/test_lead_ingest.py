import threading

import pytest
from django.db import connection
from django.urls import reverse

from leads.models import Campaign, Company, Lead
from leads.services.leads import upsert_leads
from tests.conftest import api_client

pytestmark = pytest.mark.django_db
LEADS = reverse("api:leads")
BULK = reverse("api:leads-bulk")


def post(member, url, body, **headers):
    return api_client(member).post(url, body, format="json", headers=headers)


def test_a_new_lead_is_created_then_updated_by_its_external_id(marketer):
    created = post(marketer, LEADS, {"external_id": "hs-1", "email": "Jane@Initech.com", "first_name": "Jane"})
    assert created.status_code == 201
    body = created.json()
    assert (body["email"], body["status"], body["company_domain"]) == ("jane@initech.com", "new", "initech.com")
    updated = post(marketer, LEADS, {"external_id": "hs-1", "job_title": "CTO"})
    assert updated.status_code == 200
    lead = Lead.objects.get()
    assert (lead.first_name, lead.job_title) == ("Jane", "CTO")


def test_without_external_id_the_email_identifies_the_lead_whatever_its_case(marketer):
    post(marketer, LEADS, {"email": "bob@initech.com", "phone": "+49 30 1"})
    again = post(marketer, LEADS, {"email": "BOB@initech.com", "phone": "+49 30 1"})
    assert again.status_code == 200
    assert Lead.objects.count() == 1


def test_sending_the_same_lead_again_changes_nothing_and_says_duplicate(marketer):
    item = {"email": "carol@initech.com", "first_name": "Carol", "employees": 250}
    post(marketer, BULK, {"items": [item]})
    before = Lead.objects.get().updated_at
    result = post(marketer, BULK, {"items": [item]}).json()
    assert result["results"][0]["status"] == "duplicate"
    assert Lead.objects.get().updated_at == before


def test_explicit_null_clears_a_value_and_absent_fields_stay(marketer):
    post(marketer, LEADS, {"email": "dan@initech.com", "employees": 250, "job_title": "VP Sales"})
    post(marketer, LEADS, {"email": "dan@initech.com", "employees": None})
    lead = Lead.objects.get()
    assert (lead.employees, lead.job_title) == (None, "VP Sales")


def test_invalid_lead_answers_400_with_fields_and_stores_nothing(marketer):
    response = post(marketer, LEADS, {"email": "not-an-address", "employees": "many", "country": "Atlantis"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"email", "employees", "country"}
    assert not Lead.objects.exists()


def test_personal_mail_domains_never_make_companies_and_colleagues_share_one(marketer):
    items = [
        {"email": "ann@globocorp.com", "company_name": "GloboCorp", "industry": "Retail"},
        {"email": "ben@globocorp.com"},
        {"email": "cat@gmail.com"},
        {"email": "dev@yahoo.co.uk"},
    ]
    post(marketer, BULK, {"items": items})
    company = Company.objects.get()
    assert (company.domain, company.name, company.industry) == ("globocorp.com", "GloboCorp", "Retail")
    assert Lead.objects.filter(company=company).count() == 2
    assert Lead.objects.filter(company__isnull=True).count() == 2


def test_a_batch_with_malformed_items_keeps_the_good_ones_and_reports_every_bad_one(marketer, campaign, globex):
    foreign = Campaign.objects.create(org=globex, name="Theirs")
    items = [
        {"email": "good1@initech.com", "campaign": campaign.pk},
        "just a string",
        {"first_name": "No identity"},
        {"email": "bad@", "external_id": "x" * 101},
        {"email": "ok2@initech.com", "employees": -5},
        {"email": "ok3@initech.com", "annual_revenue": "lots"},
        {"email": "ok4@initech.com", "buying_authority": "boss"},
        {"email": "ok5@initech.com", "pain_points": "a;b", "timeline": "within_3_months"},
        {"email": "ok6@initech.com", "campaign": foreign.pk},
        {"email": "ok7@initech.com", "campaign_external_id": "nope"},
        {"email": "ok8@initech.com", "pain_points": {"not": "a list"}},
        None,
        {"email": "good1@initech.com", "first_name": "Again"},
    ]
    result = post(marketer, BULK, {"items": items}).json()
    counts = result["counts"]
    assert sum(counts.values()) == len(items)
    assert counts == {"created": 2, "updated": 1, "duplicate": 0, "error": 10}
    errors = {r["index"]: r["errors"] for r in result["results"] if r["status"] == "error"}
    assert set(errors) == {1, 2, 3, 4, 5, 6, 8, 9, 10, 11}
    assert set(errors[3]) == {"email", "external_id"}
    assert errors[8] == {"campaign": [f"No campaign {foreign.pk} in your organization."]}
    assert Lead.objects.count() == 2
    assert Lead.objects.get(email="good1@initech.com").first_name == "Again"
    assert Lead.objects.get(email="ok5@initech.com").pain_points == ["a", "b"]


def test_an_email_that_belongs_to_another_external_id_is_refused(marketer):
    post(marketer, LEADS, {"external_id": "hs-1", "email": "eve@initech.com"})
    post(marketer, LEADS, {"external_id": "hs-2", "email": "fay@initech.com"})
    result = post(marketer, BULK, {"items": [{"external_id": "hs-1", "email": "fay@initech.com"}]}).json()
    assert result["results"][0]["status"] == "error"
    assert "belongs to lead" in result["results"][0]["errors"]["email"][0]
    third = post(marketer, BULK, {"items": [{"external_id": "hs-3", "email": "eve@initech.com"}]}).json()
    assert "external_id" in third["results"][0]["errors"]


def test_more_than_1000_leads_in_one_call_answers_413(marketer):
    response = post(marketer, BULK, {"items": [{"email": f"p{n}@x.test"} for n in range(1001)]})
    assert response.status_code == 413
    assert response.json()["code"] == "too_many_items"
    assert not Lead.objects.exists()


@pytest.mark.parametrize("body", [{"items": "nope"}, {"leads": []}, [1, 2]])
def test_a_batch_that_is_not_a_list_of_items_answers_400(marketer, body):
    response = post(marketer, BULK, body)
    assert response.status_code == 400
    assert response.json()["fields"] == {"items": ["A list is required."]}


def test_malformed_json_answers_400_and_another_content_type_415(marketer):
    client = api_client(marketer)
    broken = client.post(BULK, '{"items": [', content_type="application/json")
    assert broken.status_code == 400 and broken.json()["code"] == "parse_error"
    form = client.post(BULK, {"items": "x"})
    assert form.status_code == 415


def test_a_body_over_the_size_limit_answers_413(marketer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(marketer, BULK, {"items": [{"email": f"p{n}@x.test"} for n in range(100)]})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_a_sales_rep_cannot_send_leads_and_sees_only_their_own(rep, marketer):
    assert post(rep, BULK, {"items": [{"email": "x@y.test"}]}).status_code == 403
    post(marketer, BULK, {"items": [{"email": "mine@y.test"}, {"email": "other@y.test"}]})
    Lead.objects.filter(email="mine@y.test").update(owner=rep)
    listed = api_client(rep).get(LEADS).json()
    assert [lead["email"] for lead in listed["results"]] == ["mine@y.test"]
    other = Lead.objects.get(email="other@y.test")
    assert api_client(rep).get(reverse("api:lead", args=[other.pk])).status_code == 404


def test_the_list_filters_by_status_scores_search_and_dates(marketer):
    post(marketer, BULK, {"items": [{"email": f"lead{n}@initech.com", "first_name": f"Lead{n}"} for n in range(5)]})
    Lead.objects.filter(email="lead1@initech.com").update(status="mql", fit_score=80, engagement_score=30)
    Lead.objects.filter(email="lead2@initech.com").update(status="mql", fit_score=40, engagement_score=5)
    client = api_client(marketer)

    def emails(**params):
        return sorted(lead["email"] for lead in client.get(LEADS, params).json()["results"])

    assert emails(status="mql") == ["lead1@initech.com", "lead2@initech.com"]
    assert emails(fit_score_min=50) == ["lead1@initech.com"]
    assert emails(engagement_score_max=10, status="mql") == ["lead2@initech.com"]
    assert emails(q="LEAD3") == ["lead3@initech.com"]
    assert len(emails(created_from="2000-01-01T00:00:00Z")) == 5
    assert emails(created_to="2000-01-01T00:00:00Z") == []
    bad = client.get(LEADS, {"created_from": "yesterday"})
    assert bad.status_code == 400 and "created_from" in bad.json()["fields"]


def test_other_orgs_leads_never_show(marketer, globex_admin):
    post(globex_admin, LEADS, {"email": "secret@globex.test"})
    post(marketer, LEADS, {"email": "ours@acme.test"})
    body = api_client(marketer).get(LEADS).json()
    assert [lead["email"] for lead in body["results"]] == ["ours@acme.test"]
    theirs = Lead.objects.get(email="secret@globex.test")
    assert api_client(marketer).get(reverse("api:lead", args=[theirs.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_same_new_lead_sent_by_20_threads_at_once_makes_one_lead(acme):
    barrier = threading.Barrier(20)
    outcomes = []

    def send(n: int):
        barrier.wait()
        try:
            item = {"external_id": "crm-42", "email": "rush@initech.com", "notes": f"from thread {n % 2}"}
            outcomes.append(upsert_leads(org=acme, items=[item]).results[0].status.value)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(20)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert Lead.objects.filter(org=acme).count() == 1
    assert Company.objects.filter(org=acme).count() == 1
    assert outcomes.count("created") == 1
    assert set(outcomes) <= {"created", "updated", "duplicate"}
    assert len(outcomes) == 20


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_naming_overlapping_leads_all_succeed(acme):
    barrier = threading.Barrier(6)
    failures = []

    def send(n: int):
        barrier.wait()
        try:
            items = [{"email": f"shared{k}@co{k % 3}.test", "notes": f"batch {n}"} for k in range(30)]
            items = items[n:] + items[:n]  # each thread names them in another order
            upsert_leads(org=acme, items=items)
        except Exception as error:  # a failure of any kind is what this test looks for
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert failures == []
    assert Lead.objects.filter(org=acme).count() == 30
