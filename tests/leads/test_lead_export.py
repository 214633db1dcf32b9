import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Organization
from leads.models import Campaign, Lead
from leads.services.leads import upsert_leads

pytestmark = pytest.mark.django_db
EXPORT = reverse("leads:export")


def download(client, **params) -> list[list[str]]:
    response = client.get(EXPORT, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff"), "Excel needs the BOM to read accents right"
    return list(csv.reader(io.StringIO(body[1:])))


def test_the_export_has_every_lead_of_the_filters_in_the_lists_order(client_for, marketer, globex):
    Organization.objects.filter(pk=marketer.org_id).update(time_zone="Europe/Berlin")
    campaign = Campaign.objects.create(org=marketer.org, name="Spring webinars")
    created = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    Lead.objects.create(
        org=marketer.org, email="jane@initech.com", first_name="Jane", last_name="Doe", company_name="Initech",
        campaign=campaign, source="Webinar", status=Lead.Status.MQL, fit_score=72, engagement_score=18.46,
        created_at=created, qualified_at=created,
    )  # fmt: skip
    old = datetime(2025, 1, 1, tzinfo=UTC)
    Lead.objects.create(org=marketer.org, email="old@initech.com", first_name="Olga", created_at=old)
    Lead.objects.create(org=marketer.org, email="won@initech.com", status=Lead.Status.WON, created_at=created)
    Lead.objects.create(org=globex, email="spy@globex.test", status=Lead.Status.MQL, created_at=created)
    rows = download(client_for(marketer))
    header = rows[0]
    assert header[:5] == ["Smarketing ID", "External ID", "E-mail", "First name", "Last name"]
    assert "Created (Europe/Berlin)" in header
    emails = [row[header.index("E-mail")] for row in rows[1:]]
    assert emails == ["won@initech.com", "jane@initech.com", "old@initech.com"], "newest first, as the list"
    jane = dict(zip(header, rows[2], strict=True))
    assert jane["Campaign"] == "Spring webinars" and jane["Company"] == "Initech" and jane["Lead source"] == "Webinar"
    assert jane["Status"] == "MQL" and jane["Fit score"] == "72" and jane["Engagement score"] == "18.5"
    assert jane["Created (Europe/Berlin)"] == "2026-03-02 10:30", "times are the organization's own"
    assert jane["Handed off (Europe/Berlin)"] == ""
    assert [row[2] for row in download(client_for(marketer), status="mql")[1:]] == ["jane@initech.com"]
    assert [row[2] for row in download(client_for(marketer), q="olga")[1:]] == ["old@initech.com"]
    assert download(client_for(marketer), ordering="created_at")[1][2] == "old@initech.com"


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_defused(client_for, marketer):
    Lead.objects.create(
        org=marketer.org, email="x@initech.com", first_name="=HYPERLINK(\"http://evil\")", last_name="-1",
        job_title="@SUM(A1)", company_name="+Acme|cmd", phone="+49 30 1234", industry="Software, B2B",
    )  # fmt: skip
    header, row = download(client_for(marketer))
    lead = dict(zip(header, row, strict=True))
    assert lead["First name"] == '\'=HYPERLINK("http://evil")'
    assert lead["Job title"] == "'@SUM(A1)"
    assert lead["Company"] == "'+Acme\\|cmd"
    assert lead["Last name"] == "-1", "a plain number stays a number"
    assert lead["Phone"] == "'+49 30 1234"
    assert lead["Industry"] == "Software, B2B", "commas are quoted, not split"


def test_an_export_is_written_to_the_audit_log_with_its_filters(client_for, marketer):
    download(client_for(marketer), status="mql", fit_score_min="50")
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.LEADS_EXPORTED, org=marketer.org)
    assert event.actor_id == marketer.user_id
    assert event.details["filters"]["fit_score_min"] == "50"


def test_filters_a_user_mistyped_are_ignored_not_an_error(client_for, marketer):
    Lead.objects.create(org=marketer.org, email="a@initech.com")
    rows = download(client_for(marketer), fit_score_min="lots", created_from="yesterday", campaign="999999")
    assert rows[0][0] == "Smarketing ID"


def test_the_list_links_to_the_export_with_its_filters(client_for, marketer):
    page = client_for(marketer).get(reverse("leads:list"), {"status": "mql"}).text
    assert f'href="{EXPORT}?status=mql"' in page


def test_reps_may_not_export_the_lead_list(client_for, rep):
    assert client_for(rep).get(EXPORT).status_code == 403


def test_an_exported_file_imports_again_unchanged(client_for, marketer):
    from tests.leads.test_csv_import import counts, imported

    campaign = Campaign.objects.create(org=marketer.org, name="Spring webinars", external_id="sw-1")
    # Stored through the same service the API and the import use, as every real lead is.
    result = upsert_leads(org=marketer.org, items=[{
        "external_id": "hs-1", "email": "jane@initech.com", "first_name": "=Jane", "last_name": "O'Neil",
        "phone": "+49 30 1234", "job_title": "Head of IT", "company_name": "Initech|Labs",
        "industry": "Software, B2B", "employees": 250, "annual_revenue": "1200000.50", "country": "DE",
        "region": "Berlin", "source": "Webinar", "campaign": campaign.pk, "buying_authority": "decision_maker",
        "budget": "50000", "timeline": "within_3_months", "pain_points": ["Slow reports", "Too many tools"],
        "current_supplier": "Globex", "notes": "Met at the fair,\nwants a demo",
    }])  # fmt: skip
    assert result.counts["created"] == 1, result.as_dict()
    client = client_for(marketer)
    response = client.get(EXPORT)
    content = b"".join(response.streaming_content)
    before = list(Lead.objects.values())
    again = imported(client, content, name="export.csv")
    assert counts(again) == (0, 0, 1, 0)
    assert list(Lead.objects.values()) == before
