import re

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD, DEMO_PEOPLE, seed_organization
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

# What each demo role finds in the navigation bar's menus; everyone also has Home and the user menu.
MARKETING = {
    "Leads": ["Qualified leads", "Returned by sales", "All leads", "Companies", "Import leads"],
    "Content": ["Campaigns", "Content"],
}
HANDOFF_RULES = ["Routing rules", "Objections and loss reasons"]
NAVIGATION = {
    "marketer@demo.test": MARKETING,
    "mmanager@demo.test": MARKETING | {"Organization": HANDOFF_RULES},
    "rep1@demo.test": {},
    "rep2@demo.test": {},
    "smanager@demo.test": {"Organization": HANDOFF_RULES},
    "admin@demo.test": MARKETING | {"Organization": ["Members", "Settings", *HANDOFF_RULES, "Audit log"]},
}
EVERY_MENU = ["Leads", "Content", "Organization"]
# Sales works from its inbox, a link of its own in the bar.
WITH_INBOX = {"rep1@demo.test", "rep2@demo.test", "smanager@demo.test", "admin@demo.test"}


def sign_in(page, app_url: str, email: str) -> None:
    page.goto(f"{app_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello")).to_be_visible()


@pytest.mark.parametrize(("email", "name", "role"), [(e, n, r) for e, n, r, _ in DEMO_PEOPLE])
def test_each_demo_role_signs_in_and_sees_its_navigation(browser_page, app_url, email, name, role):
    seed_organization()
    page = browser_page
    sign_in(page, app_url, email)
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name="Home")).to_be_visible()
    expect(nav.get_by_role("link", name="Inbox", exact=True)).to_have_count(1 if email in WITH_INBOX else 0)
    expect(nav.get_by_test_id("notification-bell")).to_be_visible()
    for menu in EVERY_MENU:
        toggle = nav.get_by_role("button", name=menu, exact=True)
        if menu not in NAVIGATION[email]:
            expect(toggle).to_have_count(0)
            continue
        toggle.click()
        for entry in NAVIGATION[email][menu]:
            expect(nav.get_by_role("link", name=entry, exact=True)).to_be_visible()
        toggle.click()
    expect(nav.get_by_test_id("user-menu")).to_contain_text(name)
    expect(nav.get_by_test_id("user-menu")).to_contain_text(role.label)
    screenshot(page, f"navigation-{email.split('@')[0]}")


def test_phone_sized_screen_folds_the_navigation_into_a_menu(browser_page, app_url):
    seed_organization()
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, app_url, "admin@demo.test")
    nav = page.get_by_role("navigation", name="Main navigation")
    home = nav.get_by_role("link", name="Home")
    expect(home).to_be_hidden()
    nav.get_by_role("button", name="Open the menu").click()
    expect(home).to_be_visible()
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    screenshot(page, "navigation-phone-open")


def test_admin_invites_a_member_and_changes_a_role_in_the_browser(browser_page, app_url):
    seed_organization()
    page = browser_page
    sign_in(page, app_url, "admin@demo.test")
    page.goto(f"{app_url}/accounts/members/")
    invite = page.locator("form").filter(has=page.get_by_role("button", name="Send invitation"))
    invite.get_by_label("Name").fill("Nora Newcomer")
    invite.get_by_label("E-mail").fill("nora@demo.test")
    invite.get_by_label("Role").select_option("sales_rep")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to nora@demo.test")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Nora Newcomer")
    expect(row.get_by_text("Invited")).to_be_visible()
    row.get_by_label("Role of Nora Newcomer").select_option("sales_manager")
    expect(page.get_by_text("Nora Newcomer is now sales manager")).to_be_visible()
    screenshot(page, "members")


def test_api_docs_render_offline_under_the_content_security_policy(browser_page, app_url):
    page = browser_page
    page.goto(f"{app_url}/api/docs/")
    expect(page.get_by_role("heading", name="Smarketing API")).to_be_visible()
    expect(page.get_by_text("/api/v1/me/")).to_be_visible()
    screenshot(page, "api-docs")
