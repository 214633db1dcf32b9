import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.demo import seed_organization
from leads.models import Campaign
from leads.services.events import record_engagement_events
from leads.services.leads import upsert_leads
from tests.browser.conftest import screenshot
from tests.browser.test_navigation import sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
COMPANIES = [
    ("Initech", "initech.com"),
    ("Hooli", "hooli.io"),
    ("Umbrella", "umbrella.example"),
    ("Stark", "stark.example"),
]


def demo_leads(org) -> None:
    spring = Campaign.objects.create(org=org, name="Spring webinars", channel="Webinar")
    jane = {
        "email": "jane.doe@initech.com",
        "first_name": "Jane",
        "last_name": "Doe",
        "job_title": "Head of Operations",
        "company_name": "Initech",
        "country": "DE",
        "source": "Webinar",
        "campaign": spring.pk,
        "buying_authority": "decision_maker",
        "budget": "40000",
        "timeline": "within_3_months",
        "pain_points": ["cost of churn", "manual reporting"],
        "current_supplier": "Spreadsheets",
        "notes": "Asked for a demo after the spring webinar.",
    }
    others = [
        {
            "email": f"person{n}@{COMPANIES[n % 4][1]}",
            "first_name": f"Person{n}",
            "last_name": "Example",
            "company_name": COMPANIES[n % 4][0],
            "source": "Paid search" if n % 2 else "Referral",
        }
        for n in range(30)
    ]
    upsert_leads(org=org, items=[jane, *others])
    now = timezone.now()
    touches = [
        ("wp-churn", "Cost of churn whitepaper", "whitepaper", "download", 20),
        ("web-spring", "Spring webinar: closing the loop", "webinar", "attend", 6),
        ("pricing", "Pricing", "pricing_page", "view", 0.1),
    ]
    record_engagement_events(
        org=org,
        items=[
            {
                "lead_email": jane["email"],
                "asset_external_id": external_id,
                "asset_title": title,
                "asset_kind": asset_kind,
                "kind": kind,
                "occurred_at": (now - timedelta(days=days)).isoformat(),
            }
            for external_id, title, asset_kind, kind, days in touches
        ],
    )


def test_a_lead_found_by_a_search_opens_with_a_human_click(browser_page, app_url):
    demo_leads(seed_organization())
    page = browser_page
    sign_in(page, app_url, "marketer@demo.test")
    page.goto(f"{app_url}/leads/")
    page.wait_for_load_state()
    page.get_by_label("Search leads").fill("jane")
    expect(page.get_by_test_id("lead-count")).to_contain_text("1 lead matches your filters")

    # A person holds the button down for a moment. Pressing it takes the focus from the search box:
    # had that asked for the list again, the answer would replace the link before the button is let go.
    box = page.get_by_role("link", name="Jane Doe").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.wait_for_timeout(300)
    page.mouse.up()
    expect(page.get_by_role("heading", name="Jane Doe")).to_be_visible()


def test_marketer_searches_leads_opens_one_and_creates_a_campaign(browser_page, app_url):
    demo_leads(seed_organization())
    page = browser_page
    sign_in(page, app_url, "marketer@demo.test")
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("button", name="Leads", exact=True).click()
    nav.get_by_role("link", name="All leads", exact=True).click()
    expect(page.get_by_role("heading", name="All leads")).to_be_visible()
    expect(page.get_by_test_id("lead-count")).to_contain_text("31 leads")
    screenshot(page, "leads-list")

    # Filters narrow the table in place: htmx swaps the region, the page itself is not reloaded.
    page.evaluate("window.__samePage = true")
    page.locator("summary", has_text="Status").click()
    page.get_by_label("Won", exact=True).check()
    expect(page.get_by_text("No leads match these filters.")).to_be_visible()
    expect(page.locator("summary", has_text="Status")).to_have_text("Status · 1")
    expect(page).to_have_url(re.compile(r"status=won"))
    page.get_by_label("Won", exact=True).uncheck()
    page.get_by_role("heading", name="All leads").click()
    expect(page.get_by_label("Won", exact=True)).to_be_hidden()
    expect(page.get_by_test_id("lead-count")).to_have_text("31 leads")
    page.get_by_label("Search leads").press_sequentially("initech", delay=30)
    expect(page.get_by_test_id("lead-count")).to_contain_text("9 leads match your filters")
    expect(page).to_have_url(re.compile(r"q=initech"))
    assert page.evaluate("window.__samePage") is True
    page.get_by_label("Search leads").fill("jane")
    expect(page.get_by_test_id("lead-count")).to_contain_text("1 lead matches your filters")
    screenshot(page, "leads-list-searched")

    page.get_by_role("link", name="Jane Doe").click()
    expect(page.get_by_role("heading", name="Jane Doe")).to_be_visible()
    timeline = page.get_by_test_id("engagement-timeline")
    expect(timeline.get_by_role("listitem")).to_have_count(3)
    expect(timeline.get_by_role("listitem").first).to_contain_text("Viewed Pricing")
    expect(timeline.get_by_role("listitem").last).to_contain_text("Downloaded Cost of churn whitepaper")
    expect(page.get_by_text("Decision maker")).to_be_visible()
    screenshot(page, "lead-detail")
    page.set_viewport_size(PHONE)
    screenshot(page, "lead-detail-phone")
    page.goto(f"{app_url}/leads/")
    screenshot(page, "leads-list-phone")
    page.get_by_role("button", name="More filters").click()
    expect(page.locator("#more-filters")).to_have_class(re.compile(r"\bcollapse show\b"))
    expect(page.get_by_label("Owner")).to_be_visible()
    screenshot(page, "leads-filters-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{app_url}/campaigns/")
    form = page.locator("form").filter(has=page.get_by_role("button", name="Create campaign"))
    form.get_by_label("Name").fill("Autumn webinars")
    form.get_by_label("Channel").fill("Webinar")
    form.get_by_role("button", name="Create campaign").click()
    expect(page.get_by_text("Campaign “Autumn webinars” is created.")).to_be_visible()
    expect(page.get_by_role("heading", name="Autumn webinars")).to_be_visible()
    screenshot(page, "campaign-detail")
    page.goto(f"{app_url}/campaigns/")
    expect(page.get_by_role("link", name="Autumn webinars")).to_be_visible()
    screenshot(page, "campaigns")
    page.goto(f"{app_url}/content/")
    screenshot(page, "content")
    page.set_viewport_size(PHONE)
    screenshot(page, "content-phone")
