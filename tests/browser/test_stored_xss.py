"""Stored XSS in a real browser (issue 8, part 2).

Hostile text goes in wherever users and clients write text: forms, the API, a CSV import (see
xss_data). Then Chromium opens every page and htmx region as each role, the e-mails the app sent,
and its CSV exports. Nothing may run, load or leave: no dialog, no hit on the beacon (a small HTTP
server of the test's own that every payload calls), no request to anywhere but the app, no
Content-Security-Policy violation, no injected element or attribute in the DOM, no server error.

The figures go to test-artifacts/xss-figures.json and the test's output.
"""

import csv
import io
import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.core import mail
from django.urls import get_resolver, reverse

from accounts.demo import seed_organization
from accounts.models import Notification
from leads.models import Campaign, Company, ContentAsset, CriteriaVersion, HandOff, Lead, RoutingRule
from sla.models import Agreement
from tests.browser.conftest import ARTIFACTS
from tests.browser.xss_data import HostileData, build
from tests.browser.xss_payloads import payloads
from tests.test_access_matrix import ANYONE, PERSONAS, ROUTES, walk

pytestmark = pytest.mark.browser

# Who opens the pages: the demo organization's roles, and the admin of an organization signed up
# with hostile names (member of both).
ROLES = ["marketer", "marketing_manager", "sales_rep", "sales_rep2", "sales_manager", "admin"]
ROLE_OF = {**PERSONAS, "sales_rep2": PERSONAS["sales_rep"]}
# Routes that answer with a file, not a page: fetched and checked as exports.
DOWNLOADS = {"leads:export", "leads:import_rejections", "feedback:dashboard_csv"}
# Routes that are not pages for people: the API (JSON), the schema, the health check.
NOT_PAGES = {"api-schema", "healthz"}
# Attributes whose value is shown or sent as plain data: user text is at home there.
DATA_ATTRIBUTES = {"value", "title", "aria-label", "placeholder", "alt", "label", "data-confirm", "datetime"}
FORMULA_START = tuple("=+-@|%\t\r")
NUMBER = re.compile(r"^-?[0-9,.]+$")

# The DOM check, run on every page after it settled: elements and attributes that user text must
# never become, whatever the Content-Security-Policy would let through.
DOM_CHECK = """
(dataAttributes) => {
  const MARK = /xss\\d+/;
  const found = [];
  const never = new Set(["IFRAME", "FRAME", "FRAMESET", "OBJECT", "EMBED", "APPLET", "BASE", "MARQUEE", "VIDEO",
                         "AUDIO", "SOURCE", "MATH", "XMP", "NOEMBED", "PLAINTEXT", "PORTAL", "STYLE"]);
  const urls = new Set(["href", "src", "action", "formaction", "data", "poster", "background", "xlink:href",
                        "srcset", "ping", "cite", "codebase"]);
  const origin = location.origin;
  const say = (el, what) => found.push(`<${el.tagName.toLowerCase()}> ${what}`.slice(0, 300));
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toUpperCase();
    if (never.has(tag)) { say(el, "element: " + el.outerHTML.slice(0, 120)); }
    if (tag === "META" && el.hasAttribute("http-equiv")) { say(el, "http-equiv"); }
    if (tag === "SCRIPT") {
      const type = (el.getAttribute("type") || "").toLowerCase();
      if (type === "application/json") {
        if (el.textContent.includes("<")) { say(el, "JSON data with a raw <"); }
      } else if (!el.nonce) {
        say(el, "script without the page's nonce: " + (el.src || el.textContent.slice(0, 80)));
      } else if (el.src && origin !== "null" && new URL(el.src).origin !== origin) {
        say(el, "script from elsewhere: " + el.src);
      }
    }
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value;
      if (name.startsWith("on")) { say(el, `${name}="${value}"`); continue; }
      if (name === "srcdoc") { say(el, "srcdoc"); continue; }
      if (name === "style" && /expression|javascript|url\\(|behavior|@import/i.test(value)) {
        say(el, `style="${value}"`);
      }
      const compact = value.replace(/[\\s\\u0000-\\u001f]+/g, "").toLowerCase();
      if (urls.has(name) && /^(javascript|vbscript|livescript|data:text|data:application)/.test(compact)) {
        say(el, `${name}="${value}"`);
        continue;
      }
      // A link may carry user text in its address (an asset's own URL, a filter): its scheme is checked above.
      if (MARK.test(value) && !dataAttributes.includes(name) && !(tag === "A" && name === "href")) {
        say(el, `${name}="${value}"`);
      }
    }
  }
  // Text that went through a template engine: {{ 'xss7'|upper }} would read XSS7.
  const text = document.documentElement.textContent;
  const upper = text.match(/XSS\\d+/);
  if (upper) { found.push("template evaluated: " + upper[0]); }
  // The payloads the page shows as text: proof that hostile text reached it at all.
  const shown = [...new Set(text.match(/xss\\d+/g) || [])];
  return {found, shown};
}
"""
# htmx regions a page loads on its own later (polling, lazy regions) or after a filter changes:
# requested now, so their answers are checked too. Editors' "refresh" regions follow a changed select.
EXERCISE_HTMX = """
() => {
  if (!window.htmx) { return 0; }
  let n = 0;
  for (const form of document.querySelectorAll("form[hx-get]")) {
    const trigger = (form.getAttribute("hx-trigger") || "submit").split(",")[0].trim().split(" ")[0];
    htmx.trigger(form, trigger);
    n++;
  }
  for (const el of document.querySelectorAll("[hx-get]:not(form)")) {
    const selector = el.getAttribute("hx-target");
    const target = selector ? document.querySelector(selector) : el;
    const swap = el.getAttribute("hx-swap") || "innerHTML";
    htmx.ajax("GET", el.getAttribute("hx-get"), {source: el, target: target || el, swap: swap});
    n++;
  }
  for (const holder of document.querySelectorAll(".rule-pick, .objective-metric")) {
    const select = holder.querySelector("select");
    if (select) { select.dispatchEvent(new Event("change", {bubbles: true})); n++; break; }
  }
  return n;
}
"""


class Beacon:
    """A tiny HTTP server on a free loopback port: every payload would call it; it counts the calls.

    It also serves an empty page without any Content-Security-Policy, /blank (not counted), where the
    e-mails are shown as a mail client would: from there a payload could call the beacon too (Chromium
    keeps about:blank from calling loopback addresses at all)."""

    def __init__(self):
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/blank":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.end_headers()
                    # An icon of its own, or Chromium asks the beacon for /favicon.ico by itself.
                    self.wfile.write(b'<!doctype html><title>blank</title><link rel="icon" href="data:,">')
                    return
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            do_POST = do_GET

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.blank = f"{self.origin}/blank"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def beacon():
    server = Beacon()
    yield server
    server.close()


class Watch:
    """Everything the browser does that the app did not ask for, page by page."""

    def __init__(self, page, app_url: str, beacon: Beacon):
        self.page, self.app_url, self.blank = page, app_url, beacon.blank
        self.where = ""
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.server_errors: list[str] = []
        self.injected: list[str] = []
        self.shown: set[str] = set()
        self.pending = 0
        self.requests = 0
        page.on("dialog", self._dialog)
        page.on("request", self._request)
        page.on("requestfinished", self._done)
        page.on("requestfailed", self._done)
        page.on("response", self._response)
        page.on("pageerror", lambda error: self.errors.append(f"{self.where}: {error}"))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{self.where}: {dialog.type} {dialog.message[:200]}")
        dialog.dismiss()

    def _request(self, request) -> None:
        self.pending += 1
        self.requests += 1
        url = request.url
        if not url.startswith((f"{self.app_url}/", "data:image/", "about:")) and url != self.blank:
            self.foreign.append(f"{self.where}: {request.method} {url[:200]}")

    def _done(self, _request) -> None:
        self.pending = max(0, self.pending - 1)

    def _response(self, response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{self.where}: {response.status} {response.url}")

    def settle(self, limit: float = 5.0) -> None:
        """Until nothing is loading (htmx regions included), for at most `limit` seconds."""
        end, quiet = time.monotonic() + limit, 0
        while time.monotonic() < end and quiet < 3:
            self.page.wait_for_timeout(25)
            quiet = quiet + 1 if self.pending == 0 else 0

    def check_dom(self) -> set[str]:
        """Records what user text became in the page; returns the payload markers shown as text."""
        result = self.page.evaluate(DOM_CHECK, sorted(DATA_ATTRIBUTES))
        self.injected.extend(f"{self.where}: {finding}" for finding in result["found"])
        self.shown.update(result["shown"])
        return set(result["shown"])


def sign_in_as(page, app_url: str, client) -> None:
    page.context.clear_cookies()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": app_url}])


def route_plan(data: HostileData) -> tuple[dict[str, list[dict]], list[str]]:
    """For each page route, the URL arguments the crawl opens it with; and the routes it cannot open."""
    org = data.org
    flow = data.flow_leads
    # The flow's leads in each state it reaches once (won, lost, opportunity, working, returned twice,
    # waiting; qualified and disqualified by hand), and leads from the API and the CSV file.
    states = flow[:6] + flow[11:]
    imported = list(Lead.objects.filter(org=org, email__startswith="csv").values_list("pk", flat=True)[:2])
    sample = states + data.leads[:2] + imported
    handed = [pk for pk in states if HandOff.objects.filter(lead_id=pk).exists()]
    drafts = CriteriaVersion.objects.filter(org=org, status=CriteriaVersion.Status.DRAFT)
    objects = {
        "leads:detail": sample,
        "leads:hand_off": flow[-3:] + [pk for pk in flow if Lead.objects.get(pk=pk).status == Lead.Status.RECYCLED],
        "leads:brief": handed,
        "leads:company": list(Company.objects.filter(org=org).order_by("pk").values_list("pk", flat=True)[:3]),
        "leads:campaign": list(Campaign.objects.filter(org=org).order_by("pk").values_list("pk", flat=True)[:8]),
        "leads:asset": list(ContentAsset.objects.filter(org=org).order_by("pk").values_list("pk", flat=True)[:8]),
        "leads:criteria_version": data.criteria,
        "leads:criteria_edit": list(drafts.values_list("pk", flat=True)),
        "leads:import_detail": data.imports[:1],
        "leads:import_mapping": data.imports[1:],
        "leads:import_preview": data.imports[1:],
        "leads:routing_rule": list(RoutingRule.objects.filter(org=org).values_list("pk", flat=True)),
        "sla:agreement": data.agreements,
        "sla:agreement_edit": list(
            Agreement.objects.filter(org=org, status=Agreement.Status.DRAFT).values_list("pk", flat=True)
        ),
        "accounts:notification_open": list(
            Notification.objects.filter(recipient=data.people["sales_rep"]).values_list("pk", flat=True)[:2]
        ),
    }
    plan: dict[str, list[dict]] = {name: [{"pk": pk} for pk in pks] for name, pks in objects.items()}
    plan["accounts:password_reset_confirm"] = [data.reset_link]
    plan["accounts:invitation"] = [data.invitation_link]
    unopened = []
    for name, _callback in walk(get_resolver().url_patterns):
        if name in plan or name in DOWNLOADS or name in NOT_PAGES or name.startswith("api:") or name == "api-docs":
            continue
        methods = {method for route, method in ROUTES if route == name}
        if methods and "GET" not in methods:
            continue  # a form's target: posted while the data was entered
        pattern = next(p for n, p in _patterns() if n == name)
        if "<" in pattern:
            unopened.append(name)
            continue
        plan[name] = [{}]
    return plan, unopened


def _patterns():
    def inner(patterns, namespace="", prefix=""):
        from django.urls import URLPattern, URLResolver

        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                space = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from inner(pattern.url_patterns, space, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern)

    return list(inner(get_resolver().url_patterns))


def who_opens(name: str) -> list[str]:
    """The roles the access matrix lets in (each sees its own version of the page); all when unlisted."""
    route = ROUTES.get((name, "GET"))
    if route is None or route.who is None:
        return ROLES
    if route.who == ANYONE:
        return ["anonymous"]
    return [role for role in ROLES if ROLE_OF[role] in route.who]


def queries(data: HostileData, hostile: str) -> dict[str, list[str]]:
    """Extra addresses: comparisons, and filters holding hostile text (which the page shows again)."""
    from urllib.parse import urlencode

    c, a = data.criteria, data.agreements
    return {
        "leads:list": [urlencode({"q": hostile})],
        "leads:companies": [urlencode({"q": hostile})],
        "leads:qualified": [urlencode({"source": hostile})],
        "accounts:audit_log": [urlencode({"kind": hostile})],
        "leads:criteria_diff": [urlencode({"from": c[0], "to": c[1]}), urlencode({"from": c[1], "to": c[2]})],
        "sla:agreement_diff": [urlencode({"from": a[0], "to": a[1]})],
        "feedback:voice_of_sales": [urlencode({"months": hostile, "campaign": hostile})],
        "feedback:dashboard": [urlencode({"period": hostile, "source": hostile})],
    }


def crawl(page, watch: Watch, app_url: str, data: HostileData, plan: dict[str, list[dict]], figures: dict) -> dict:
    """Open every planned page as each role that may, and its htmx regions; returns the CSV links seen,
    each with the first role that saw it."""
    hostile = data.rotation.items[0].text
    extra = queries(data, hostile)
    csv_links: dict[str, str] = {}
    opened = Counter()
    showing: set[str] = set()
    timing = figures.setdefault("timing", {})
    personas = [*ROLES, "founder", "anonymous"]
    for persona in personas:
        if persona == "anonymous":
            page.context.clear_cookies()
        elif persona == "founder":
            from tests.conftest import signed_in

            sign_in_as(page, app_url, signed_in(data.other_admin))
        else:
            sign_in_as(page, app_url, data.client(persona))
        for name, arguments in plan.items():
            roles = who_opens(name)
            if persona == "founder":
                if arguments != [{}] or "anonymous" in roles:
                    continue
            elif persona not in roles:
                continue
            # The first role to open a page opens it for every object; the others for the first one.
            objects = arguments if persona == roles[0] or persona == "founder" else arguments[:1]
            urls = [reverse(name, kwargs=kwargs) for kwargs in objects]
            if persona == roles[0]:
                base = reverse(name) if arguments == [{}] else urls[0]
                urls += [f"{base}?{query}" for query in extra.get(name, [])]
            for url in urls:
                began = time.monotonic()
                watch.where = f"{persona} {url}"
                response = page.goto(app_url + url, wait_until="load")
                if response is not None and response.status >= 500:
                    watch.server_errors.append(f"{watch.where}: {response.status}")
                watch.settle()
                if watch.check_dom():
                    showing.add(name)
                # A route's htmx regions, once per role: they hold what its first page holds.
                if url == urls[0] and page.evaluate(EXERCISE_HTMX):
                    watch.settle()
                    watch.check_dom()
                    figures["htmx_regions"] += 1
                for href in page.eval_on_selector_all(
                    "a[href*='.csv'], a[href*='export=']", "links => links.map(a => a.href)"
                ):
                    csv_links.setdefault(href, persona)
                opened[name] += 1
                figures["page_views"] += 1
                timing[name] = timing.get(name, 0) + time.monotonic() - began
    figures["routes_opened"] = len(opened)
    figures["quiet_routes"] = sorted(set(opened) - showing)
    return csv_links


def check_emails(page, watch: Watch, figures: dict) -> None:
    """The HTML e-mails the app sent, shown on a page without any Content-Security-Policy (an app page
    would lend them its own), as a mail client would show them."""
    for message in mail.outbox:
        for body, kind in getattr(message, "alternatives", []):
            if kind != "text/html":
                continue
            watch.where = f"e-mail “{message.subject[:60]}”"
            page.goto(watch.blank)
            page.set_content(body)
            watch.settle(1.0)
            if watch.check_dom():
                figures["emails_showing_payloads"] += 1
            figures["emails"] += 1


def check_export(page, watch: Watch, persona: str, url: str, figures: dict) -> None:
    watch.where = f"{persona} export {url}"
    response = page.request.get(url)
    if response.status != 200:
        watch.server_errors.append(f"{watch.where}: {response.status}")
        return
    headers = response.headers
    kind, disposition = headers.get("content-type", ""), headers.get("content-disposition", "")
    if (
        not kind.startswith("text/csv")
        or "attachment" not in disposition
        or headers.get("x-content-type-options") != "nosniff"
    ):
        watch.injected.append(
            f"{watch.where}: served as {kind!r}, {disposition!r}, nosniff={headers.get('x-content-type-options')!r}"
        )
    for row in csv.reader(io.StringIO(response.text().lstrip("\ufeff"))):
        figures["export_cells"] += len(row)
        for cell in row:
            if cell.startswith(FORMULA_START) and not NUMBER.match(cell):
                watch.injected.append(f"{watch.where}: a cell a spreadsheet would run: {cell[:80]!r}")
    figures["exports"] += 1


def test_hostile_text_entered_everywhere_runs_nothing_in_any_page(browser_page, app_url, beacon, csp_violations):
    started = time.monotonic()
    org = seed_organization()
    hostile = payloads(beacon.origin)
    data = build(org, hostile)
    entered = time.monotonic()
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    watch = Watch(page, app_url, beacon)
    plan, unopened = route_plan(data)
    assert unopened == [], f"routes the crawl cannot open: give route_plan objects for {unopened}"
    figures = Counter()
    csv_links = crawl(page, watch, app_url, data, plan, figures)

    exports = {app_url + reverse("leads:export"): "marketer", app_url + reverse("leads:export") + "?q=xss": "admin"}
    exports[app_url + reverse("leads:import_rejections", kwargs={"pk": data.imports[0]})] = "marketer"
    exports |= {url: role for url, role in csv_links.items() if role in ROLES}
    for persona in ROLES:
        sign_in_as(page, app_url, data.client(persona))
        for url, role in sorted(exports.items()):
            if role == persona:
                check_export(page, watch, persona, url, figures)
    check_emails(page, watch, figures)
    watch.where = "after the crawl"
    watch.settle(1.0)

    result = {
        "payloads": len(hostile),
        "fields": len(data.fields),
        "entries": data.entries,
        "page_views": figures["page_views"],
        "routes_opened": figures["routes_opened"],
        "htmx_regions": figures["htmx_regions"],
        "payloads_shown": len(watch.shown),
        "emails": figures["emails"],
        "emails_showing_payloads": figures["emails_showing_payloads"],
        "exports": figures["exports"],
        "export_cells": figures["export_cells"],
        "requests": watch.requests,
        "dialogs": len(watch.dialogs),
        "beacon_hits": len(beacon.hits),
        "foreign_requests": len(watch.foreign),
        "csp_violations": len(csp_violations),
        "injected": len(watch.injected),
        "server_errors": len(watch.server_errors),
        "script_errors": len(watch.errors),
        "seconds_entering": round(entered - started, 1),
        "seconds_total": round(time.monotonic() - started, 1),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    details = {
        "figures": result, "fields": sorted(data.fields), "dialogs": watch.dialogs, "beacon": beacon.hits,
        "foreign": watch.foreign, "csp": csp_violations, "injected": watch.injected,
        "server_errors": watch.server_errors, "script_errors": watch.errors,
        "routes_showing_no_payload": figures["quiet_routes"],
        "seconds_per_route": {name: round(seconds, 1) for name, seconds in sorted(figures["timing"].items())},
    }  # fmt: skip
    (ARTIFACTS / "xss-figures.json").write_text(json.dumps(details, indent=2, ensure_ascii=False))
    print("stored XSS:", json.dumps(result))
    # The crawl saw the hostile text (as text) on its pages and in the e-mails: it tested something.
    assert result["payloads"] >= 50 and result["payloads_shown"] >= 50, result
    assert result["emails_showing_payloads"] >= 10 and result["exports"] >= 10, result
    problems = {
        key: details[key] for key in ("dialogs", "beacon", "foreign", "injected", "server_errors", "script_errors")
    }
    assert all(not found for found in problems.values()), json.dumps(problems, indent=1)[:20000]


def test_the_checks_see_hostile_text_that_became_markup(browser_page, app_url, beacon, csp_violations):
    """The test's own instruments: text that did become markup is found in the DOM, the policy's
    refusals are recorded, and without a policy the dialog, the beacon and the foreign request are seen."""
    page = browser_page
    watch = Watch(page, app_url, beacon)
    hostile = {p.text.split(" ")[0] + p.text[5:14]: p for p in payloads(beacon.origin)}
    chosen = [
        next(p for p in hostile.values() if p.text.startswith("<img src=x onerror")),
        next(p for p in hostile.values() if p.text.startswith("<img src=http")),
        next(p for p in hostile.values() if p.text.startswith('<div hx-get="http')),
        next(p for p in hostile.values() if p.text.startswith('<a href="javascript')),
        next(p for p in hostile.values() if p.text.startswith("<iframe srcdoc")),
    ]
    watch.where = "login page"
    page.goto(app_url + reverse("accounts:login"))
    for payload in chosen:
        # As an unescaped template or an htmx swap would put it into the page.
        page.evaluate("html => { document.body.insertAdjacentHTML('beforeend', html); htmx.process(document.body); }",
                      payload.text)  # fmt: skip
    watch.settle()
    watch.check_dom()
    for payload in chosen:
        assert any(payload.marker in finding for finding in watch.injected), (payload.text, watch.injected)
    assert any("img-src" in v for v in csp_violations) and any("script-src" in v for v in csp_violations)
    assert beacon.hits == [] and watch.dialogs == [], "the policy refused what the markup asked for"

    watch.where = "a page without a policy"
    page.goto(beacon.blank)
    page.set_content(f"<p>{chosen[1].text}</p><img src=x onerror=\"alert('{chosen[0].marker}')\">")
    watch.settle(2.0)
    assert watch.dialogs and watch.foreign and beacon.hits, (watch.dialogs, watch.foreign, beacon.hits)
    csp_violations.clear()  # seen on purpose
