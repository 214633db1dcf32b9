"""Playwright in Debian's Chromium against a live server that serves the collected static files."""

import contextlib
import os
from pathlib import Path

import pytest
from django.test.testcases import LiveServerThread

from smarketing.launcher import find_chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
# Reports every Content-Security-Policy violation of every page and frame to the test, as it happens:
# a list kept in the page itself would be lost with the next navigation.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const violation = e.violatedDirective + " " + (e.blockedURI || "inline") + " at " + e.documentURI;
  window.__cspViolations.push(violation);
  if (window.__reportCspViolation) { window.__reportCspViolation(violation); }
});
"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = os.environ.get("CHROMIUM_PATH") or find_chromium()
    args = {**browser_type_launch_args, "args": CHROMIUM_ARGS}
    return {**args, "executable_path": chromium} if chromium else args


@pytest.fixture(scope="session")
def app_url(collected_static):
    """Like pytest-django's live_server, but static files come from WhiteNoise, as in production."""
    thread = LiveServerThread("127.0.0.1", static_handler=lambda app: app)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


@pytest.fixture
def csp_violations() -> list[str]:
    """The Content-Security-Policy violations of the test's browser context so far."""
    return []


@pytest.fixture
def context(context, csp_violations):
    """pytest-playwright's context, recording CSP violations (the event, and Chromium's console
    error, which also covers frames); any at all fails the test, whatever the test itself checks."""
    context.expose_binding("__reportCspViolation", lambda _source, violation: csp_violations.append(violation))
    context.add_init_script(CSP_RECORDER)

    def console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            csp_violations.append(f"console at {message.location.get('url')}: {message.text}")

    context.on("console", console)
    yield context
    for page in context.pages:
        # A round trip to each page delivers the reports still on their way.
        # A closed or crashed page has nothing left to report.
        with contextlib.suppress(Exception):
            page.evaluate("0")
    assert csp_violations == [], f"Content-Security-Policy violations: {csp_violations}"


@pytest.fixture
def browser_page(context, transactional_db):
    return context.new_page()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
