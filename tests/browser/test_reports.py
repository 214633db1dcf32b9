"""The meeting packs in a real browser: the check-in's folding rows, its notes saved in place, its
print layout, and the voice of sales' chart redrawn when the period changes."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.demo import seed_organization
from accounts.models import Membership
from feedback.models import CheckInNote
from feedback.periods import Month
from feedback.services import ensure_default_lists, log_follow_up, record_quality_feedback
from leads.models import Campaign, ContentAsset, Lead
from leads.services.events import record_engagement_events
from leads.services.handoff import accept_lead, hand_off_lead
from leads.services.leads import upsert_leads
from tests.browser.conftest import screenshot
from tests.browser.test_navigation import sign_in

pytestmark = pytest.mark.browser
# Chromium writes each page of a PDF as an uncompressed "/Type /Page" object (the page tree is "/Pages").
PDF_PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")


def printed_pages(page) -> int:
    """Pages of the PDF Chromium prints, on the paper the print stylesheet asks for."""
    return len(PDF_PAGE.findall(page.pdf(prefer_css_page_size=True, print_background=True)))


def a_month_of_leads(org) -> None:
    """This month: a webinar campaign's lead handed to Rita, accepted, called, with an objection."""
    people = {m.user.email: m for m in Membership.objects.filter(org=org).select_related("user")}
    marketer, rep = people["marketer@demo.test"], people["rep1@demo.test"]
    ensure_default_lists(org=org)
    webinars = Campaign.objects.create(org=org, name="Spring webinars")
    guide = ContentAsset.objects.create(org=org, title="Churn guide", campaign=webinars)
    upsert_leads(org=org, items=[{"email": "jane@initech.example", "country": "DE", "campaign": webinars.pk}])
    lead = Lead.objects.get(org=org, email="jane@initech.example")
    record_engagement_events(org=org, items=[{"lead": lead.pk, "asset": guide.pk, "kind": "download",
                                              "occurred_at": timezone.now().isoformat()}])  # fmt: skip
    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.MQL)
    hand_off_lead(lead=lead, by=marketer, rep=rep)
    accept_lead(lead=lead, by=rep)
    record_quality_feedback(lead=lead, by=rep, fit=4, ready_to_talk=True, brief_useful=True)
    log_follow_up(lead=lead, by=rep, kind="call", outcome="connected", occurred_at=timezone.now(),
                  objections=[{"reason": "Price"}], pain_points=["slow reporting"])  # fmt: skip


def test_manager_runs_the_check_in_saves_notes_prints_it_and_reads_the_voice_of_sales(browser_page, app_url):
    org = seed_organization()
    a_month_of_leads(org)
    month = Month.of(timezone.localdate(timezone=org.zone))
    page = browser_page
    sign_in(page, app_url, "mmanager@demo.test")
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("button", name="Reports", exact=True).click()
    nav.get_by_role("link", name="Campaign check-in", exact=True).click()
    expect(page.get_by_role("heading", name="Campaign check-in")).to_be_visible()
    page.goto(f"{app_url}/reports/check-in/?month={month.param}")
    table = page.locator(".check-in-table")
    campaign_row = table.locator("tr.row-campaign", has_text="Spring webinars")
    expect(campaign_row).to_contain_text("100%")

    # The content of a campaign folds under it until asked for.
    content_row = table.locator("tr.row-asset", has_text="Churn guide")
    expect(content_row).to_be_hidden()
    campaign_row.get_by_role("button", name="Show the content of: Spring webinars").click()
    expect(content_row).to_be_visible()

    # The notes save in place (htmx): the page is not reloaded, and says who saved them.
    page.evaluate("window.__samePage = true")
    page.get_by_label(f"Decisions and notes for {month.label}").fill("Double the webinar budget.\nMaria: new guide.")
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_test_id("notes-saved")).to_contain_text("Saved. Last saved by Martin Marketing-Manager")
    assert page.evaluate("window.__samePage") is True
    assert CheckInNote.objects.get(org=org).text == "Double the webinar budget.\nMaria: new guide."
    screenshot(page, "reports-check-in")

    # On paper: no navigation, no buttons; the notes as saved.
    page.emulate_media(media="print")
    expect(nav).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.locator(".check-in-notes .notes-text.print-only")).to_contain_text("Double the webinar budget.")
    expect(campaign_row).to_be_visible()
    assert printed_pages(page) == 1
    page.emulate_media(media="screen")
    expect(nav).to_be_visible()

    page.goto(f"{app_url}/reports/voice-of-sales/")
    page.evaluate("window.__samePage = true")
    chart = page.locator('canvas[data-chart="chart-objections"]')
    expect(chart).to_have_attribute("data-chart-drawn", "1")
    expect(page.locator("#table-pain_points")).to_contain_text("slow reporting")
    # Changing the period swaps the report in place and keeps a drawn chart.
    page.get_by_label("Period", exact=True).select_option("3")
    expect(page).to_have_url(f"{app_url}/reports/voice-of-sales/?months=3&campaign=")
    expect(page.locator('canvas[data-chart="chart-objections"]')).to_have_attribute("data-chart-drawn", "1")
    assert page.evaluate("window.__samePage") is True
    screenshot(page, "reports-voice-of-sales")


def test_a_full_month_of_campaigns_with_the_meetings_notes_prints_on_one_page(browser_page, app_url):
    org = seed_organization()
    a_month_of_leads(org)
    month = Month.of(timezone.localdate(timezone=org.zone))
    # A busy month: fourteen campaigns running, notes of a long meeting.
    for n in range(13):
        Campaign.objects.create(org=org, name=f"Campaign {n + 1}: regional partner webinars and events")
    decisions = "\n".join(f"{n}. A decision of the meeting: who does what by when, and why." for n in range(8))
    page = browser_page
    sign_in(page, app_url, "mmanager@demo.test")
    page.goto(f"{app_url}/reports/check-in/?month={month.param}")
    page.get_by_label(f"Decisions and notes for {month.label}").fill(decisions)
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_test_id("notes-saved")).to_contain_text("Saved.")
    page.get_by_role("button", name="Show all content").click()
    page.emulate_media(media="print")
    expect(page.locator(".check-in-table tr.row-campaign")).to_have_count(14)
    expect(page.locator(".check-in-notes .notes-text.print-only")).to_contain_text("7. A decision of the meeting")
    expect(page.locator(".check-in-notes .notes-text.print-only")).to_contain_text("Saved by Martin Marketing-Manager")
    assert printed_pages(page) == 1
    screenshot(page, "reports-check-in-print")
