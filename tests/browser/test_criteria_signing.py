"""The criteria journey: marketing drafts with form controls and a live preview, both managers sign."""

import re

import pytest
from playwright.sync_api import expect

from accounts.demo import seed_organization
from accounts.models import Membership
from leads.models import CriteriaVersion, ReevaluationChunk
from leads.services.criteria import (
    create_criteria_version,
    propose_criteria_version,
    sign_criteria_version,
    update_criteria_version,
)
from leads.services.leads import upsert_leads
from leads.tasks import reevaluate_chunks_task
from tests.browser.conftest import screenshot
from tests.browser.test_navigation import sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# (country, employees, buying authority, how many): what the draft and the active version judge.
LEADS = [
    ("DE", 500, "decision_maker", 4),
    ("AT", 300, "influencer", 2),
    ("CH", 50, "decision_maker", 2),
    ("US", 1000, "decision_maker", 3),
    ("FR", 250, "user", 1),
]


def demo_leads(org) -> None:
    items, n = [], 0
    for country, employees, authority, count in LEADS:
        for _ in range(count):
            n += 1
            items.append({
                "email": f"buyer{n}@company{n}.example", "first_name": f"Buyer{n}", "last_name": "Example",
                "company_name": f"Company {n}", "country": country, "employees": employees,
                "buying_authority": authority, "source": "Webinar" if n % 2 else "Paid search",
            })  # fmt: skip
    upsert_leads(org=org, items=items)


def germany_only(org) -> CriteriaVersion:
    """Version 1, active: German leads, whatever their size."""
    people = {m.role: m for m in Membership.objects.filter(org=org)}
    author = people["marketer"]
    version = create_criteria_version(by=author)
    update_criteria_version(
        by=author, version=version, name="Germany first", summary="Where we sell today.", min_fit_score=0,
        min_engagement_score=0, rules=[{"attribute": "country", "operator": "in", "value": ["DE"], "required": True}],
    )  # fmt: skip
    propose_criteria_version(by=author, version=version)
    for role in ("marketing_manager", "sales_manager"):
        sign_criteria_version(by=people[role], version=version)
    for chunk in ReevaluationChunk.objects.filter(version=version):
        reevaluate_chunks_task([chunk.pk])
    return version


def shot(page, name: str) -> None:
    """Desktop and phone screenshots, from the top (the sticky navigation bar would float mid-page)."""
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)
    page.set_viewport_size(PHONE)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_managers_sign_a_draft_built_in_the_editor_and_it_becomes_active(browser_page, app_url):
    org = seed_organization()
    demo_leads(org)
    first = germany_only(org)
    page = browser_page
    page.set_viewport_size(DESKTOP)
    sign_in(page, app_url, "mmanager@demo.test")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Criteria").click()
    expect(page.get_by_role("heading", name="Qualification criteria")).to_be_visible()
    page.get_by_role("button", name="New draft").click()

    # The editor: the draft starts as a copy of the active version, and the preview says so.
    expect(page.get_by_role("heading", name=re.compile("Edit version 2"))).to_be_visible()
    expect(page.get_by_text("Version 2 is a new draft with a copy of version 1.")).to_be_visible()
    preview = page.get_by_test_id("live-preview")
    expect(preview.get_by_test_id("draft-qualified")).to_have_text("4")
    expect(preview.get_by_test_id("active-qualified")).to_have_text("4")
    page.get_by_label("Name").fill("DACH mid-size")
    page.get_by_label("Summary").fill("Austria and Switzerland too, for firms of 200 people or more.")
    page.get_by_label("Countries").select_option(["DE", "AT", "CH"])
    expect(page.get_by_label("Rule 1: attribute")).to_have_value("country")
    expect(page.get_by_label("Required")).to_be_checked()
    # The live preview follows the unsaved form: DACH qualifies the Austrian and Swiss leads too.
    expect(preview.get_by_test_id("draft-qualified")).to_have_text("8")

    page.get_by_label("New rule on").select_option("employees")
    page.get_by_role("button", name="Add rule").click()
    expect(page.get_by_test_id("rule-row")).to_have_count(2)
    expect(page.get_by_label("Rule 2: comparison")).to_have_value("gte")
    page.locator("#id_rule-1-low").fill("200")
    page.locator("#id_rule-1-weight").fill("40")
    page.get_by_label("New rule on").select_option("buying_authority")
    page.get_by_role("button", name="Add rule").click()
    expect(page.get_by_test_id("rule-row")).to_have_count(3)
    page.get_by_label("Decision maker").check()
    page.locator("#id_rule-2-weight").fill("60")
    page.get_by_label("Minimum fit score").fill("40")
    page.get_by_label("Minimum engagement score").fill("0")
    # Fit 40 or more: the big Austrians (40), the small Swiss decision makers (60), the Germans (100).
    expect(preview.get_by_test_id("draft-qualified")).to_have_text("8")
    page.get_by_label("Minimum fit score").fill("70")
    page.get_by_label("Minimum fit score").blur()
    expect(preview.get_by_test_id("draft-qualified")).to_have_text("4")
    page.get_by_label("Minimum fit score").fill("40")
    page.get_by_label("Minimum fit score").blur()
    expect(preview.get_by_test_id("draft-qualified")).to_have_text("8")
    # A rule added and removed again leaves the others as they were.
    page.get_by_label("New rule on").select_option("budget")
    page.get_by_role("button", name="Add rule").click()
    expect(page.get_by_test_id("rule-row")).to_have_count(4)
    page.get_by_role("button", name="Remove rule 4").click()
    expect(page.get_by_test_id("rule-row")).to_have_count(3)
    expect(page.locator("#id_rule-1-low")).to_have_value("200")
    expect(page.get_by_test_id("chosen-countries")).to_have_text("AT, DE, CH")
    expect(preview.get_by_test_id("draft-qualified")).to_have_text("8")
    shot(page, "criteria-editor")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Version 2 is saved.")).to_be_visible()
    rules = page.get_by_test_id("criteria-rules")
    expect(rules.get_by_role("listitem")).to_have_count(3)
    expect(rules).to_contain_text("Country is one of AT, DE, CH")
    expect(rules).to_contain_text("Employees ≥ 200")
    expect(rules).to_contain_text("Buying authority is one of decision maker")
    expect(page.get_by_test_id("criteria-changes")).to_contain_text("Minimum fit score 0 → 40")
    expect(page.get_by_test_id("impact-table")).to_be_visible()
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_text("Version 2 is proposed")).to_be_visible()

    page.get_by_label("Comment (optional)").fill("Matches what the reps close.")
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_text("You signed version 2.")).to_be_visible()
    expect(page.get_by_test_id("you-signed")).to_contain_text("You signed on")
    expect(page.get_by_role("button", name="Sign", exact=True)).to_have_count(0)
    shot(page, "criteria-version-proposed")

    page.context.clear_cookies()
    sign_in(page, app_url, "smanager@demo.test")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Criteria").click()
    page.get_by_role("link", name="Version 2", exact=True).click()
    expect(page.get_by_test_id("sign-off")).to_contain_text("Martin Marketing-Manager")
    expect(page.get_by_test_id("sign-off")).to_contain_text("Matches what the reps close.")
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_text("Both sides have signed: version 2 is active.")).to_be_visible()
    expect(page.locator("h1 .status-badge")).to_have_text("Active")
    second = CriteriaVersion.objects.get(org=org, number=2)
    first.refresh_from_db()
    assert (second.status, first.status) == ("active", "retired")

    # The re-evaluation runs in jobs; its progress bar follows them until they are done.
    expect(page.get_by_test_id("reevaluation").locator("progress")).to_be_visible()
    shot(page, "criteria-version-active")
    for chunk in ReevaluationChunk.objects.filter(version=second):
        reevaluate_chunks_task([chunk.pk])
    expect(page.get_by_test_id("reevaluation")).to_contain_text("re-evaluated with this version")

    page.get_by_role("link", name="Criteria", exact=True).first.click()
    versions = page.get_by_test_id("criteria-versions")
    expect(versions.get_by_role("row").nth(1)).to_contain_text("Active")
    expect(versions.get_by_role("row").nth(2)).to_contain_text("Retired")
    shot(page, "criteria-history")
    page.get_by_role("button", name="Compare").click()
    changes = page.get_by_test_id("criteria-changes")
    expect(changes).to_contain_text("Minimum fit score 0 → 40")
    expect(changes).to_contain_text("Country is one of DE (required)")
    shot(page, "criteria-diff")

    # Marketing's queue now holds the leads version 2 qualified, with the rules each met.
    page.context.clear_cookies()
    sign_in(page, app_url, "marketer@demo.test")
    page.goto(f"{app_url}/leads/qualified/")
    expect(page.get_by_test_id("queue-count")).to_contain_text("8 qualified leads")
    expect(page.locator(".reason-badge").first).to_contain_text("Country is one of AT, DE, CH")
    page.get_by_label("Fit at least").fill("70")
    page.get_by_label("Fit at least").blur()
    expect(page.get_by_test_id("queue-count")).to_contain_text("4 qualified leads match your filters")
    page.wait_for_load_state("networkidle")
    shot(page, "qualified-queue")
    page.locator(".qualified-table a.fw-semibold").first.click()
    expect(page.get_by_test_id("qualification-card")).to_contain_text("Meets the criteria")
    shot(page, "lead-qualification")
