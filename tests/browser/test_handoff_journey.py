"""The hand-off journey: marketing hands a qualified lead to a rep, the rep answers it from the inbox
and the brief, works it to a win, and marketing sees how it turned out."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.demo import seed_organization
from accounts.models import Membership
from feedback.services import ensure_default_lists
from leads.models import Campaign, Lead
from leads.services.events import record_engagement_events
from leads.services.handoff import hand_off_lead
from leads.services.leads import upsert_leads
from leads.services.qualification import qualify_by_hand
from tests.browser.conftest import screenshot
from tests.browser.test_navigation import sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def qualified_lead(org) -> Lead:
    spring = Campaign.objects.create(org=org, name="Spring webinars", channel="Webinar")
    upsert_leads(org=org, items=[{
        "email": "jane.doe@initech.com", "first_name": "Jane", "last_name": "Doe", "job_title": "Head of Operations",
        "company_name": "Initech", "industry": "Software", "employees": 420, "country": "DE", "source": "Webinar",
        "campaign": spring.pk, "buying_authority": "decision_maker", "budget": "40000",
        "timeline": "within_3_months", "pain_points": ["cost of churn", "manual reporting"],
        "current_supplier": "Spreadsheets", "phone": "+49 30 1234 567",
    }])  # fmt: skip
    now = timezone.now()
    record_engagement_events(org=org, items=[
        {"lead_email": "jane.doe@initech.com", "asset_external_id": external_id, "asset_title": title,
         "asset_kind": asset_kind, "kind": kind, "occurred_at": (now - timedelta(days=days)).isoformat()}
        for external_id, title, asset_kind, kind, days in [
            ("wp-churn", "Cost of churn whitepaper", "whitepaper", "download", 12),
            ("web-spring", "Spring webinar: closing the loop", "webinar", "attend", 5),
            ("pricing", "Pricing", "pricing_page", "view", 1),
        ]
    ])  # fmt: skip
    marketer = Membership.objects.get(org=org, user__email="marketer@demo.test")
    lead = Lead.objects.get(org=org, email="jane.doe@initech.com")
    return qualify_by_hand(lead=lead, by=marketer, reason="Asked for a demo at the spring webinar")


# On a phone the page must not scroll sideways; if it does, the elements reaching past the edge.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) { return []; }
  return [...document.querySelectorAll("body *")]
    .filter((el) => { const box = el.getBoundingClientRect(); return box.width > 0 && box.right > width + 1; })
    .slice(-5).map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
}"""


def shot(page, name: str) -> None:
    """Desktop and phone screenshots, from the top (the sticky navigation bar would float mid-page);
    on the phone nothing may stick out sideways."""
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)
    page.set_viewport_size(PHONE)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"{name}-phone")
    print(
        name,
        page.evaluate(
            "[document.documentElement.scrollWidth, document.body.scrollWidth, document.documentElement.clientWidth]"
        ),
    )
    assert page.evaluate(OVERFLOWING) == [], f"{name}: wider than a phone"
    page.set_viewport_size(DESKTOP)


def test_marketer_hands_off_and_the_rep_works_the_lead_to_a_win(browser_page, app_url):
    org = seed_organization()
    ensure_default_lists(org=org)
    lead = qualified_lead(org)
    page = browser_page
    page.set_viewport_size(DESKTOP)

    # Marketing: from the qualified queue to the hand-off form, to Rita by name.
    sign_in(page, app_url, "marketer@demo.test")
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("button", name="Leads", exact=True).click()
    nav.get_by_role("link", name="Qualified leads", exact=True).click()
    expect(page.get_by_test_id("queue-count")).to_contain_text("1 qualified lead")
    shot(page, "handoff-queue")
    page.get_by_role("link", name="Hand off Jane Doe").click()
    expect(page.get_by_role("heading", name=re.compile("Hand off Jane Doe"))).to_be_visible()
    expect(page.get_by_label("Hand to")).to_have_value("")
    page.get_by_label("Hand to").select_option(label="Rita Rep")
    page.get_by_label("Note for the rep").fill("Asked for pricing at the webinar; call before Friday.")
    shot(page, "handoff-form")
    page.get_by_role("button", name="Hand off", exact=True).click()
    expect(page.get_by_role("heading", name="Qualified leads")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Jane Doe is handed off to Rita Rep (named by Maria Marketer).")
    expect(page.get_by_test_id("queue-count")).to_contain_text("0 qualified leads")
    shot(page, "handoff-queue-done")

    # Sales: the bell and the inbox say there is a lead waiting.
    page.context.clear_cookies()
    sign_in(page, app_url, "rep1@demo.test")
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    nav.get_by_role("link", name="Inbox").click()
    expect(page.get_by_test_id("awaiting-count")).to_have_text("1")
    expect(page.get_by_test_id("working-count")).to_have_text("0")
    row = page.get_by_role("row").filter(has_text="Jane Doe")
    expect(row).to_contain_text("handed off just now")
    shot(page, "handoff-inbox")
    row.get_by_role("link", name="Open brief").click()

    # The brief: what marketing sent, frozen at the hand-off.
    expect(page.get_by_role("heading", name=re.compile("Jane Doe"))).to_be_visible()
    expect(page.get_by_test_id("brief-note")).to_contain_text("call before Friday")
    expect(page.get_by_test_id("routing")).to_have_text("named by Maria Marketer")
    expect(page.get_by_test_id("brief-needs")).to_contain_text("cost of churn")
    expect(page.get_by_test_id("brief-needs")).to_contain_text("Spreadsheets")
    expect(page.get_by_test_id("brief-engagement").get_by_role("listitem")).to_have_count(3)
    expect(page.get_by_test_id("brief-facts")).to_contain_text("+49 30 1234 567")
    shot(page, "handoff-brief")
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("alert")).to_contain_text("You accepted Jane Doe.")
    expect(page.get_by_test_id("lead-status")).to_have_text("Accepted")

    # Lead quality: how good was what marketing sent.
    quality = page.get_by_test_id("quality-feedback")
    quality.get_by_label("4", exact=True).check()
    quality.locator("fieldset", has_text="Ready to talk?").get_by_label("Yes").check()
    quality.locator("fieldset", has_text="Was the brief useful?").get_by_label("Yes").check()
    quality.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("alert")).to_contain_text("Thank you")
    expect(page.get_by_test_id("quality-given")).to_contain_text("You rated it 4/5")

    # The first call, with an objection heard and a new pain point.
    actions = page.get_by_test_id("brief-actions")
    expect(actions.get_by_label("Kind")).to_be_visible()
    actions.get_by_label("Kind").select_option("call")
    actions.get_by_label("Outcome").select_option("connected")
    actions.get_by_label("Notes").fill("Interested; wants a demo with the CFO.")
    actions.get_by_label("Price", exact=True).check()
    actions.get_by_label("Price: in their words").fill("Twice what the spreadsheets cost")
    actions.get_by_label("New pain points heard").fill("month-end close")
    shot(page, "handoff-follow-up-form")
    actions.get_by_role("button", name="Log follow-up").click()
    expect(page.get_by_role("alert")).to_contain_text("Follow-up logged (Call: connected, 1 objection).")
    expect(page.get_by_test_id("lead-status")).to_have_text("Working")
    expect(page.get_by_test_id("follow-ups")).to_contain_text("Price: Twice what the spreadsheets cost")

    actions.locator("summary", has_text="Mark as opportunity").click()
    actions.get_by_label("Value").fill("24000")
    actions.get_by_role("button", name="Mark as opportunity").click()
    expect(page.get_by_test_id("lead-status")).to_have_text("Opportunity")
    actions.locator("summary", has_text="Mark won").click()
    actions.get_by_label("Or what else helped").fill("Reference call with a customer")
    actions.get_by_role("button", name="Mark won").click()
    expect(page.get_by_role("alert")).to_contain_text("Jane Doe is won.")
    expect(page.get_by_test_id("lead-status")).to_have_text("Won")
    expect(page.get_by_test_id("outcome")).to_contain_text("24,000")
    shot(page, "handoff-brief-won")

    # Marketing sees how it turned out: the status, the history, and the notice of acceptance.
    page.context.clear_cookies()
    sign_in(page, app_url, "marketer@demo.test")
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    page.goto(f"{app_url}/leads/{lead.pk}/")
    expect(page.locator("h1 .status-badge")).to_have_text("Won")
    history = page.get_by_test_id("lead-history")
    expect(history.get_by_role("listitem").first).to_contain_text("Opportunity → Won")
    expect(history).to_contain_text("Reference call with a customer")
    expect(history).to_contain_text("Call: connected")
    expect(history).to_contain_text("Objection: Price: Twice what the spreadsheets cost")
    expect(history).to_contain_text("Handed off to Rita Rep")
    expect(history).to_contain_text("Lead quality: fit 4/5")
    shot(page, "handoff-lead-history")
    page.get_by_test_id("notification-bell").click()
    expect(page.get_by_test_id("notifications")).to_contain_text("Rita Rep accepted Jane Doe")
    shot(page, "handoff-notifications")


def test_rep_rejects_a_lead_and_marketing_nurtures_it_again(browser_page, app_url):
    org = seed_organization()
    ensure_default_lists(org=org)
    lead = qualified_lead(org)
    marketer = Membership.objects.get(org=org, user__email="marketer@demo.test")
    rita = Membership.objects.get(org=org, user__email="rep1@demo.test")
    hand_off_lead(lead=lead, by=marketer, rep=rita, note="Booth visitor")
    page = browser_page
    page.set_viewport_size(DESKTOP)
    sign_in(page, app_url, "rep1@demo.test")
    page.goto(f"{app_url}/inbox/{lead.pk}/")
    actions = page.get_by_test_id("brief-actions")
    actions.locator("summary", has_text="Reject").click()
    actions.get_by_role("button", name="Reject and return to marketing").click()
    expect(actions.get_by_text("Say why you reject the lead.")).to_be_visible()
    actions.get_by_label("Not ready").check()
    actions.get_by_label("Note for marketing").fill("Budget only next year; nurture until January.")
    shot(page, "handoff-reject-form")
    actions.get_by_role("button", name="Reject and return to marketing").click()
    expect(page.get_by_role("alert")).to_contain_text("Jane Doe is returned to marketing (not ready).")
    expect(page.get_by_test_id("brief-state")).to_contain_text("Returned to marketing: not ready.")
    quality = page.get_by_test_id("quality-feedback")
    quality.get_by_label("2", exact=True).check()
    quality.locator("fieldset", has_text="Ready to talk?").get_by_label("No").check()
    quality.locator("fieldset", has_text="Was the brief useful?").get_by_label("Yes").check()
    quality.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_test_id("quality-given")).to_contain_text("You rated it 2/5")

    page.context.clear_cookies()
    sign_in(page, app_url, "marketer@demo.test")
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("button", name="Leads", exact=True).click()
    nav.get_by_role("link", name="Returned by sales", exact=True).click()
    row = page.get_by_role("row").filter(has_text="Jane Doe")
    expect(row).to_contain_text("Not ready")
    expect(row).to_contain_text("Budget only next year")
    expect(row).to_contain_text("Rita Rep")
    shot(page, "handoff-returned")
    row.get_by_role("button", name="Back to nurturing").click()
    expect(page.get_by_role("alert")).to_contain_text("Jane Doe is back in nurturing")
    expect(page.get_by_test_id("returned-count")).to_have_text("0 leads returned")


def test_sales_manager_sees_the_team_and_keeps_routing_rules_and_lists(browser_page, app_url):
    org = seed_organization()
    ensure_default_lists(org=org)
    marketer = Membership.objects.get(org=org, user__email="marketer@demo.test")
    rita = Membership.objects.get(org=org, user__email="rep1@demo.test")
    rafael = Membership.objects.get(org=org, user__email="rep2@demo.test")
    lead = qualified_lead(org)
    hand_off_lead(lead=lead, by=marketer, rep=rafael)
    page = browser_page
    page.set_viewport_size(DESKTOP)
    sign_in(page, app_url, "smanager@demo.test")
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("row").filter(has_text="Jane Doe")).to_contain_text("Rafael Rep")
    page.get_by_label("Owner").select_option(label="Rita Rep")
    expect(page.get_by_text("No open leads for this owner.")).to_be_visible()
    expect(page.get_by_test_id("awaiting-count")).to_have_text("0")
    expect(page).to_have_url(re.compile(rf"owner={rita.pk}"))
    page.get_by_label("Owner").select_option(label="Whole team")
    expect(page.get_by_test_id("awaiting-count")).to_have_text("1")
    shot(page, "handoff-team-inbox")

    page.get_by_role("link", name="Routing rules and availability").click()
    page.get_by_role("link", name="New rule").click()
    page.get_by_label("Name").fill("DACH")
    page.get_by_label("Countries").select_option(["DE", "AT", "CH"])
    page.get_by_label("Industries").fill("Software, Manufacturing")
    page.get_by_label("Employees from").fill("50")
    page.get_by_label("Rita Rep").check()
    shot(page, "handoff-routing-rule")
    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_role("alert")).to_contain_text("Routing rule “DACH” is saved.")
    rules = page.get_by_test_id("routing-rules")
    expect(rules).to_contain_text("Countries: AT, DE, CH")
    expect(rules).to_contain_text("Employees: 50–any")
    availability = page.get_by_test_id("availability")
    availability.get_by_label("Away: Rafael Rep").check()
    availability.get_by_role("button", name="Save Rafael Rep").click()
    expect(page.get_by_role("alert")).to_contain_text("Rafael Rep is away.")
    shot(page, "handoff-routing-rules")

    nav.get_by_role("button", name="Organization", exact=True).click()
    nav.get_by_role("link", name="Objections and loss reasons").click()
    page.get_by_test_id("objection-list").get_by_role("button", name="Take Timing off the list").click()
    expect(page.get_by_role("alert")).to_contain_text("“Timing” is off the objection list.")
    page.get_by_label("New objection").fill("Security review")
    page.get_by_role("button", name="Add").first.click()
    expect(page.get_by_test_id("objection-list")).to_contain_text("Security review")
    shot(page, "handoff-lists")

    page.goto(f"{app_url}/accounts/account/")
    expect(page.get_by_label("I am away")).not_to_be_checked()
    page.get_by_label("A lead was handed to you: also by e-mail").uncheck()
    page.get_by_role("button", name="Save notification settings").click()
    expect(page.get_by_role("alert")).to_contain_text("Your notification settings are saved.")
    expect(page.get_by_label("A lead was handed to you: also by e-mail")).not_to_be_checked()
    shot(page, "handoff-account")
