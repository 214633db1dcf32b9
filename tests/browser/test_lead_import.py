"""A marketer imports a CSV file in the browser, with a real Celery worker doing the import."""

import os
import re
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD, seed_organization
from leads.models import Lead
from leads.tasks import run_lead_import_task
from smarketing.celery import app as celery_app
from tests.browser.conftest import screenshot
from tests.conftest import database_url_for_subprocesses

pytestmark = pytest.mark.browser

CSV = (
    "First Name,Last Name,Email Address,Company Name,Country/Region,Number of Employees,Notes\r\n"
    'Ada,Lovelace,ada@analytical.test,Analytical Engines,United Kingdom,"1,200","Met at the fair,\r\nwants a demo"\r\n'
    "Bob,Broken,not-an-email,Initech,Germany,50,\r\n"
    'Cy,Quoted,cy@initech.test,"Initech, Inc.",DE,12,\r\n'
)


def sign_in(page, app_url: str, email: str) -> None:
    page.goto(f"{app_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello")).to_be_visible()


def upload_and_preview(page, app_url: str, phone: str = "") -> None:
    page.get_by_label("CSV file").set_input_files(
        {"name": "webinar-leads.csv", "mimeType": "text/csv", "buffer": CSV.encode("utf-8")}
    )
    page.get_by_role("button", name="Upload and choose columns").click()
    expect(page.get_by_role("heading", name="Which lead field is in each column?")).to_be_visible()
    expect(page.get_by_test_id("file-facts")).to_contain_text("3 rows · UTF-8 · separated by comma")
    for header, field in [("Email Address", "email"), ("Country/Region", "country"), ("Notes", "notes")]:
        expect(page.get_by_label(f"Lead field for column {header}")).to_have_value(field)
    page.get_by_label("Lead field for column Notes").select_option(label="Don't import")
    screenshot(page, f"import-mapping{phone}")
    page.get_by_role("button", name="Save and preview").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    expect(page.get_by_test_id("preview-summary")).to_contain_text("1 of the first 3 rows will be rejected")
    expect(page.get_by_text("Line 4 will be rejected: Email Address: Enter a valid e-mail address.")).to_be_visible()
    screenshot(page, f"import-preview{phone}")


@pytest.fixture
def import_queue(monkeypatch):
    """A queue of this test's own, so no other test's worker picks the import up (and no stray message ours)."""
    queue = f"imports-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(run_lead_import_task, "queue", queue, raising=False)
    monkeypatch.setattr(run_lead_import_task, "_exec_options", None)
    # Connection pools of this test's own, made from the real broker URL (an earlier test may have
    # pointed the app at a dead broker and left its pools behind).
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    return queue


def start_worker(queue: str) -> subprocess.Popen:
    env = os.environ | {
        "DATABASE_URL": database_url_for_subprocesses(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    command = [sys.executable, "-m", "celery", "-A", "smarketing", "worker", "--pool=solo", "-Q", queue]
    return subprocess.Popen([*command, "--loglevel=WARNING"], cwd=settings.BASE_DIR, env=env)


def test_a_marketer_imports_a_csv_file_and_reads_the_report(browser_page, app_url, import_queue):
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "the import runs on a real worker through Redis"
    seed_organization()
    page = browser_page
    sign_in(page, app_url, "marketer@demo.test")
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("button", name="Leads", exact=True).click()
    nav.get_by_role("link", name="Import leads", exact=True).click()
    expect(page.get_by_role("heading", name="Import leads")).to_be_visible()
    expect(page.get_by_text("No imports yet")).to_be_visible()
    screenshot(page, "import-start")
    upload_and_preview(page, app_url)

    page.get_by_role("button", name=re.compile(r"^Start import of 3 rows")).click()
    progress = page.get_by_label("Import progress")
    expect(progress).to_be_visible()
    expect(page.get_by_text("Waiting for a worker to start")).to_be_visible()
    expect(page.get_by_test_id("progress-text")).to_have_text("0 of 3 rows · 0%")
    screenshot(page, "import-progress")

    # The page polls on its own; the import finishes once a worker is there to run it.
    worker = start_worker(import_queue)
    try:
        expect(page.get_by_text("Import finished")).to_be_visible(timeout=60_000)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    expect(progress).to_have_count(0)
    counts = page.get_by_test_id("import-counts")
    for label, value in [("Created", "2"), ("Updated", "0"), ("Unchanged", "0"), ("Rejected", "1")]:
        expect(counts.locator(".card").filter(has_text=label).locator(".stat-value")).to_have_text(value)
    rejected = page.get_by_role("row").filter(has_text="not-an-email")
    expect(rejected.get_by_role("cell").first).to_have_text("4")
    expect(rejected).to_contain_text("Email Address: Enter a valid e-mail address.")
    expect(page.get_by_role("link", name="Download rejected rows (CSV)")).to_be_visible()
    ada = Lead.objects.get(email="ada@analytical.test")
    assert (ada.country, ada.employees, ada.notes) == ("GB", 1200, "")
    assert Lead.objects.get(email="cy@initech.test").company_name == "Initech, Inc."
    screenshot(page, "import-report")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_text("Import finished")).to_be_visible()
    screenshot(page, "import-report-phone")
    page.goto(f"{app_url}/leads/import/")
    expect(page.get_by_role("link", name="webinar-leads.csv")).to_be_visible()
    screenshot(page, "import-start-phone")


def test_the_import_steps_fit_a_phone_screen(browser_page, app_url):
    seed_organization()
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, app_url, "mmanager@demo.test")
    page.goto(f"{app_url}/leads/import/")
    page.get_by_label("CSV file").set_input_files(
        {"name": "export.xlsx", "mimeType": "application/octet-stream", "buffer": b"PK\x03\x04" + bytes(100)}
    )
    page.get_by_role("button", name="Upload and choose columns").click()
    expect(page.get_by_text("This is an Excel workbook, not a CSV file.")).to_be_visible()
    screenshot(page, "import-bad-file-phone")
    upload_and_preview(page, app_url, phone="-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px); only tables may"
    page.get_by_role("link", name="Change columns").click()
    page.get_by_label("Lead field for column Email Address").select_option(label="Don't import")
    page.get_by_role("button", name="Save and preview").click()
    expect(page.get_by_role("alert")).to_contain_text("the e-mail address or the external id")
    screenshot(page, "import-mapping-error-phone")
