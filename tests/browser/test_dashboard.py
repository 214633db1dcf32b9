import re

import pytest
from playwright.sync_api import expect

from accounts.demo import seed_organization
from accounts.models import Membership
from feedback.services.snapshots import refresh_dashboards
from tests.browser.conftest import screenshot
from tests.browser.test_navigation import sign_in
from tests.feedback.dashboard_data import build

pytestmark = pytest.mark.browser

# Whether a canvas holds any drawn pixel: a chart that failed (CSP, a script error) stays blank.
DRAWN_PIXELS = """
(selector) => {
  const canvas = document.querySelector(selector);
  if (!canvas || !canvas.width || !canvas.height) { return 0; }
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) { drawn++; } }
  return drawn;
}
"""


def funnel_count(page, stage: str):
    return page.locator('[data-figure="funnel"] tbody tr').filter(has_text=stage).locator("td").first


def test_a_manager_filters_the_dashboard_and_downloads_a_figure(browser_page, app_url, tmp_path):
    org = seed_organization()
    people = {m.user.email: m for m in Membership.objects.filter(org=org).select_related("user")}
    build(org, marketer=people["marketer@demo.test"], rep=people["rep1@demo.test"], rep2=people["rep2@demo.test"],
          manager=people["smanager@demo.test"])  # fmt: skip
    refresh_dashboards(org_id=org.pk, full=True)
    page = browser_page
    sign_in(page, app_url, "smanager@demo.test")
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("button", name="Reports", exact=True).click()
    nav.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    # The heading shows before the deferred scripts have run; a date typed then would go unnoticed.
    page.wait_for_load_state()

    # March and April 2026, typed as dates: the period becomes custom and the figures follow.
    page.get_by_label("From", exact=True).fill("2026-03-01")
    page.get_by_label("To", exact=True).fill("2026-04-30")
    expect(page.get_by_test_id("figures-period")).to_contain_text("1 Mar 2026 – 30 Apr 2026")
    expect(page.get_by_label("Period", exact=True)).to_have_value("custom")
    expect(funnel_count(page, "New")).to_have_text("10")

    # One campaign: only the figures re-render, and the address keeps the filters.
    figures = page.locator("#dashboard-figures")
    figures.evaluate("element => { element.dataset.before = 'yes'; }")
    page.get_by_label("Campaign", exact=True).select_option(label="Spring launch")
    expect(funnel_count(page, "New")).to_have_text("4")
    expect(page.locator("#dashboard-figures")).not_to_have_attribute("data-before", "yes")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"campaign=\d+"))

    canvas = '[data-figure="funnel"] canvas'
    expect(page.locator(canvas)).to_have_attribute("data-chart-drawn", "1")
    assert page.evaluate(DRAWN_PIXELS, canvas) > 100
    assert page.evaluate(DRAWN_PIXELS, '[data-figure="close-rates-by-campaign"] canvas') > 100

    with page.expect_download() as download:
        page.get_by_test_id("csv-funnel").click()
    file = download.value
    assert file.suggested_filename == "acme-demo-funnel-2026-03-01-to-2026-04-30.csv"
    path = tmp_path / file.suggested_filename
    file.save_as(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "Stage,Leads,Of the stage before (%)" and lines[1] == "New,4,"
    screenshot(page, "dashboard-manager")


def test_a_rep_sees_their_own_dashboard_without_rep_filters(browser_page, app_url):
    org = seed_organization()
    people = {m.user.email: m for m in Membership.objects.filter(org=org).select_related("user")}
    build(org, marketer=people["marketer@demo.test"], rep=people["rep1@demo.test"], rep2=people["rep2@demo.test"],
          manager=people["smanager@demo.test"])  # fmt: skip
    refresh_dashboards(org_id=org.pk, full=True)
    page = browser_page
    sign_in(page, app_url, "rep1@demo.test")
    page.goto(f"{app_url}/dashboard/?period=custom&start=2026-03-01&end=2026-04-30")
    expect(page.get_by_text("Your own leads and hand-offs")).to_be_visible()
    expect(page.get_by_label("Rep", exact=True)).to_have_count(0)
    rows = page.locator('[data-figure="reps"] tbody tr')
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Rita Rep")
    expect(page.locator('[data-figure="reps"] canvas')).to_have_attribute("data-chart-drawn", "1")
    screenshot(page, "dashboard-rep")
