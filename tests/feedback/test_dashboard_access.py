"""Who sees which dashboard figure, on the page, in its CSV file and through the API; another tenant's
data never; bad filters never a 500; the page's query count does not grow with the data."""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from feedback.dashboards import FIGURES, Filters, figure, figure_visible, scope_for
from feedback.dashboards.cache import cached_figures
from feedback.dashboards.choices import campaign_choices, filter_choices, rep_choices, team_choices
from feedback.services.snapshots import refresh_dashboards
from leads.models import Campaign
from sla.models import ComplianceSnapshot
from sla.services.agreements import create_agreement, propose_agreement, sign_agreement, update_agreement
from sla.services.compliance import compute_history
from smarketing.errors import NotAllowed
from tests.conftest import api_client, signed_in
from tests.factories import MembershipFactory, UserFactory
from tests.feedback import figures_by_hand as by_hand
from tests.feedback.dashboard_data import build, build_other_tenant

pytestmark = pytest.mark.django_db
BOTH = (date(2026, 3, 1), date(2026, 4, 30))
QUERY = "?period=custom&start=2026-03-01&end=2026-04-30"
SALES_ONLY = {"reps", "handoff-timings"}
API = {
    "funnel": "metrics-funnel", "mql": "metrics-mql", "acceptance": "metrics-acceptance",
    "handoff-timings": "metrics-handoff-timings", "reps": "metrics-reps", "calibration": "metrics-calibration",
    "close-rates-by-source": "metrics-close-rates", "close-rates-by-campaign": "metrics-close-rates",
    "close-rates-by-version": "metrics-close-rates",
}  # fmt: skip


@pytest.fixture
def data(acme, globex, marketer, rep, rep2, sales_manager, marketing_manager):
    data = build(acme, marketer=marketer, rep=rep, rep2=rep2, manager=sales_manager)
    data.globex_campaign = build_other_tenant(globex)
    refresh_dashboards(org_id=acme.pk, full=True)
    refresh_dashboards(org_id=globex.pk, full=True)
    return data


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value.isoformat() if isinstance(value, date) else str(value)


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def api_url(name: str) -> str:
    url = reverse(f"api:{API[name]}") + "?start=2026-03-01&end=2026-04-30"
    return url + f"&by={name.rsplit('-', 1)[1]}" if name.startswith("close-rates") else url


def persona(data, role: str):
    return {
        Role.SALES_REP: data.rep, Role.MARKETER: data.marketer, Role.SALES_MANAGER: data.manager,
        Role.ADMIN: None, Role.MARKETING_MANAGER: None,
    }[role]  # fmt: skip


@pytest.fixture
def member_of_role(data, admin, marketing_manager):
    def member(role: str):
        return {Role.ADMIN: admin, Role.MARKETING_MANAGER: marketing_manager}.get(role) or persona(data, role)

    return member


ROLES = [Role.SALES_REP, Role.MARKETER, Role.MARKETING_MANAGER, Role.SALES_MANAGER, Role.ADMIN]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_its_figures_in_the_functions_csv_files_and_api_alike(data, member_of_role, role):
    member = member_of_role(role)
    # Everyone asks for Rafael's figures, in Rafael's team: only managers and admins may narrow so.
    asked = Filters(*BOTH, rep=data.rep2.pk, team=data.nordics.pk)
    scope = scope_for(member, asked)
    browser, machine = signed_in(member), api_client(member)
    for name in FIGURES:
        if name == "sla":
            continue
        allowed = not (role == Role.MARKETER and name in SALES_ONLY)
        assert figure_visible(scope, name) is allowed, name
        narrowed = f"&rep={data.rep2.pk}&team={data.nordics.pk}"
        csv_response = browser.get(reverse("feedback:dashboard_csv", args=[name]) + QUERY + narrowed)
        api_response = machine.get(api_url(name) + narrowed)
        if not allowed:
            with pytest.raises(NotAllowed):
                figure(scope, name)
            assert csv_response.status_code == 403, name
            assert api_response.status_code == 403 and api_response.json()["code"] == "permission_denied", name
            continue
        figures = figure(scope, name)
        assert csv_response.status_code == 200, name
        assert csv_rows(csv_response) == [figures.labels, *([text(v) for v in row] for row in figures.rows)], name
        assert api_response.status_code == 200, name
        body = api_response.json()
        assert body["rows"] == [{k: text(v) if isinstance(v, date) else v for k, v in r.items()}
                                for r in figures.records()], name  # fmt: skip
        expected_rep = {Role.SALES_REP: data.rep.pk, Role.MARKETER: None}.get(role, data.rep2.pk)
        assert body["filters"]["rep"] == expected_rep, name
    # What the figures hold, by role: a rep their own leads, a marketer the whole organization.
    reps = {Role.SALES_REP: (data.rep.pk,), Role.MARKETER: None}.get(role, (data.rep2.pk,))
    ask = by_hand.Ask(data.org.pk, *BOTH, reps=reps)
    assert [list(r) for r in figure(scope, "funnel").rows] == by_hand.funnel(ask)
    assert [list(r) for r in figure(scope, "acceptance").rows] == by_hand.acceptance(ask)
    if role != Role.MARKETER:
        assert [r[0] for r in figure(scope, "reps").rows] == (
            ["Rita Rep"] if role == Role.SALES_REP else ["Rafael Rep"]
        )


def test_a_rep_page_shows_their_own_figures_without_rep_or_team_filters(data, rep):
    response = signed_in(rep).get(reverse("feedback:dashboard") + QUERY + f"&rep={data.rep2.pk}")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="rep"' not in page and 'name="team"' not in page
    assert "Your own leads and hand-offs" in page
    table = response.context["cards"]["reps"]["figures"]
    assert [row[0] for row in table.rows] == ["Rita Rep"]


def test_a_marketer_page_has_no_rep_table_timings_or_sales_objectives(data, marketer):
    page = signed_in(marketer).get(reverse("feedback:dashboard") + QUERY).content.decode()
    assert "Rep table" not in page and "Time to answer and to first touch" not in page
    assert 'name="rep"' not in page and "Rita Rep" not in page
    assert "Close rate by campaign" in page and "Funnel" in page


def test_a_manager_page_has_every_figure_with_a_chart_a_table_and_a_csv_link(data, sales_manager):
    response = signed_in(sales_manager).get(reverse("feedback:dashboard") + QUERY)
    page = response.content.decode()
    for name in FIGURES:
        assert f'data-figure="{name}"' in page, name
        assert reverse("feedback:dashboard_csv", args=[name]) + "?" in page, name
    for chart in ("chart-funnel", "chart-mql", "chart-acceptance", "chart-timings", "chart-reps",
                  "chart-close-rates-source", "chart-close-rates-campaign", "chart-close-rates-version"):  # fmt: skip
        assert f'id="{chart}"' in page and f'data-chart="{chart}"' in page, chart
    assert "vendor/chartjs/chart.umd" in page and "smarketing/charts" in page


def test_the_page_and_an_htmx_filter_change_keep_a_constant_number_of_queries(
    data, sales_manager, django_assert_max_num_queries
):
    browser = signed_in(sales_manager)
    url = reverse("feedback:dashboard")
    browser.get(url)  # the source list is cached on the first view
    # Filters not seen since the refresh: the figures are computed, then kept (see the next test).
    with django_assert_max_num_queries(32):
        assert browser.get(url + QUERY).status_code == 200
    with django_assert_max_num_queries(32):
        response = browser.get(url + f"?period=this_month&campaign={data.spring.pk}", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="dashboard-figures">') and "<html" not in fragment
    assert 'id="dashboard-dates" hx-swap-oob="true"' in fragment


def test_a_repeat_view_reads_the_figures_kept_since_the_last_refresh(data, acme, sales_manager):
    browser = signed_in(sales_manager)
    url = reverse("feedback:dashboard") + QUERY
    first = browser.get(url)
    with CaptureQueriesContext(connection) as repeat:
        again = browser.get(url)
    # The figures as rendered at the first view are sent again, not rendered anew.
    assert "cards" in first.context and "cards" not in again.context
    assert again.context["kept"] == first.context["kept"]
    snapshot_reads = [q["sql"] for q in repeat.captured_queries if "feedback_handofffact" in q["sql"]]
    assert snapshot_reads == [], "a repeat view computed the hand-off figures again"

    # A refresh starts a new generation: the next view computes from the refreshed snapshots.
    refresh_dashboards(org_id=acme.pk)
    with CaptureQueriesContext(connection) as after_refresh:
        browser.get(url)
    assert any("feedback_handofffact" in q["sql"] for q in after_refresh.captured_queries)


def test_kept_figures_carry_nothing_of_one_response_and_each_role_gets_its_own(data, acme, sales_manager, marketer):
    manager, other_manager = signed_in(sales_manager), signed_in(MembershipFactory(org=acme, role=Role.SALES_MANAGER))
    url = reverse("feedback:dashboard") + QUERY
    first, again = manager.get(url), other_manager.get(url)
    for response in (first, again):
        nonce = response.context["csp_nonce"]
        assert str(nonce) in response.content.decode()
        kept = "".join(response.context["kept"].values())
        assert str(nonce) not in kept and "csrfmiddlewaretoken" not in kept and "X-CSRFToken" not in kept
    assert str(first.context["csp_nonce"]) != str(again.context["csp_nonce"])
    assert 'data-figure="reps"' in again.content.decode()
    # Same filters, another role: a marketer gets no rep table nor timings kept for a manager.
    seen = signed_in(marketer).get(url).content.decode()
    assert 'data-figure="reps"' not in seen and 'data-figure="handoff-timings"' not in seen
    assert "Rita Rep" not in seen


def test_a_kept_rep_page_is_that_reps_own(data, rep, rep2):
    url = reverse("feedback:dashboard") + QUERY
    assert signed_in(rep).get(url).context["cards"]["reps"]["figures"].rows[0][0] == "Rita Rep"
    page = signed_in(rep2).get(url).content.decode()
    assert "Rafael Rep" in page and "Rita Rep" not in page


def test_a_preset_period_by_htmx_keeps_its_dates_apart_from_the_plain_page(data, sales_manager):
    browser = signed_in(sales_manager)
    url = reverse("feedback:dashboard") + "?period=last_month"
    assert 'hx-swap-oob="true"' not in "".join(browser.get(url).context["kept"].values())
    fragment = browser.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="dashboard-dates" hx-swap-oob="true"' in fragment
    assert 'hx-swap-oob="true"' not in "".join(browser.get(url).context["kept"].values())


def test_the_filters_offer_campaigns_people_and_teams_read_at_once(data, acme, globex):
    MembershipFactory(org=acme, role=Role.SALES_REP, is_active=False, user=UserFactory(full_name="", email="x@a.test"))
    MembershipFactory(org=globex, role=Role.SALES_REP)
    offered = filter_choices(data.manager)
    assert offered["campaign"] == campaign_choices(data.manager) and offered["campaign"]
    assert offered["rep"] == rep_choices(data.manager) and ("x@a.test (former)" in dict(offered["rep"]).values())
    assert offered["team"] == team_choices(data.manager) and offered["team"]


def test_figures_for_a_long_source_name_are_kept_too(data, sales_manager):
    # Sources are whatever marketing tools sent: a key built from one must still fit the cache.
    scope = scope_for(sales_manager, Filters(date(2026, 3, 1), date(2026, 4, 30), source="<b>webinar</b>" * 40))
    computed = []

    def compute(name):
        computed.append(name)
        return figure(scope, name)

    first = cached_figures(scope, ["funnel"], compute)
    again = cached_figures(scope, ["funnel"], compute)
    assert computed == ["funnel"] and again["funnel"].rows == first["funnel"].rows


def test_bad_filters_show_a_message_and_the_defaults_never_an_error(data, sales_manager, globex):
    browser = signed_in(sales_manager)
    asked = (f"?period=nonsense&start=2026-02-30&end=yesterday&campaign={data.globex_campaign.pk}&rep=x&team=999999"
             "&source=%00")  # fmt: skip
    response = browser.get(reverse("feedback:dashboard") + asked)
    assert response.status_code == 200
    problems = response.context["problems"]
    assert {p.split(":")[0] for p in problems} >= {"Period", "Start date", "End date", "Campaign", "Rep", "Team"}
    assert response.context["filters"].campaign is None and response.context["filters"].rep is None
    for name in FIGURES:
        assert browser.get(reverse("feedback:dashboard_csv", args=[name]) + asked).status_code == 200
    assert browser.get(reverse("feedback:dashboard_csv", args=["nothing"])).status_code == 404
    assert browser.get(reverse("feedback:calibration") + asked).status_code == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?start=2026-13-01", "start"),
        ("?start=2026-04-30&end=2026-03-01", "end"),
        ("?from=2020-01-01&to=2026-04-30", "start"),
        ("?rep=abc", "rep"),
        ("?team=999999", "team"),
        ("?period=decade", "period"),
    ],
)
def test_the_api_answers_400_with_the_field_for_bad_filters(data, sales_manager, query, field):
    response = api_client(sales_manager).get(reverse("api:metrics-funnel") + query)
    assert response.status_code == 400
    assert field in response.json()["fields"] and response.json()["code"] == "invalid"


def test_another_tenants_campaign_or_rep_is_refused_by_the_api_and_unseen_on_the_page(data, sales_manager, globex):
    globex_rep = MembershipFactory(org=globex, role=Role.SALES_REP)
    machine = api_client(sales_manager)
    for query in (f"?campaign={data.globex_campaign.pk}", f"?rep={globex_rep.pk}"):
        assert machine.get(reverse("api:metrics-funnel") + query).status_code == 400
    page = signed_in(sales_manager).get(reverse("feedback:dashboard") + QUERY).content.decode()
    assert "Globex summit" not in page


def test_another_tenant_sees_only_its_own_figures(data, globex_admin):
    scope = scope_for(globex_admin, Filters(*BOTH))
    assert figure(scope, "funnel").rows[0][1] == 3
    assert [r[0] for r in figure(scope, "close-rates-by-campaign").rows] == ["Globex summit"]
    page = signed_in(globex_admin).get(reverse("feedback:dashboard") + QUERY).content.decode()
    assert "Spring launch" not in page and "Rita Rep" not in page
    body = api_client(globex_admin).get(reverse("api:metrics-funnel") + QUERY).json()
    assert body["rows"][0] == {"stage": "New", "leads": 3, "of_stage_before_pct": None}


def test_the_api_takes_from_and_to_like_the_sla_metrics(data, sales_manager):
    body = api_client(sales_manager).get(reverse("api:metrics-funnel") + "?from=2026-03-01&to=2026-03-31").json()
    assert body["filters"]["start"] == "2026-03-01" and body["filters"]["end"] == "2026-03-31"
    assert [r["leads"] for r in body["rows"]] == [6, 3, 3, 2, 2, 1, 1]
    assert body["as_of"] is not None and body["columns"][0] == {"key": "stage", "label": "Stage"}


def test_close_rates_by_something_else_is_a_400(data, sales_manager):
    response = api_client(sales_manager).get(reverse("api:metrics-close-rates") + "?by=weather")
    assert response.status_code == 400 and "by" in response.json()["fields"]


def test_csv_cells_that_a_spreadsheet_would_run_arrive_as_text(data, sales_manager):
    Campaign.objects.filter(pk=data.spring.pk).update(name='=HYPERLINK("http://evil.example")')
    refresh_dashboards(org_id=data.org.pk, full=True)
    response = signed_in(sales_manager).get(reverse("feedback:dashboard_csv", args=["close-rates-by-campaign"]) + QUERY)
    names = [row[0] for row in csv_rows(response)[1:]]
    assert '\'=HYPERLINK("http://evil.example")' in names
    disposition = response["Content-Disposition"]
    assert disposition == 'attachment; filename="acme-close-rates-by-campaign-2026-03-01-to-2026-04-30.csv"'


def test_refresh_now_is_for_managers_and_queues_the_refresh(
    data, sales_manager, rep, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = signed_in(sales_manager).post(reverse("feedback:dashboard_refresh"), {"query": QUERY[1:]})
    assert response.status_code == 302 and response.url == reverse("feedback:dashboard") + QUERY
    assert len(callbacks) == 1
    assert signed_in(rep).post(reverse("feedback:dashboard_refresh")).status_code == 403
    # Only a query string is carried back, never another place to go.
    response = signed_in(sales_manager).post(reverse("feedback:dashboard_refresh"), {"query": "//evil.example/"})
    assert response.url.startswith(reverse("feedback:dashboard"))


def test_an_organization_without_snapshots_is_told_the_figures_are_coming(globex_admin):
    response = signed_in(globex_admin).get(reverse("feedback:dashboard"))
    assert response.status_code == 200
    assert "No figures yet: they are computed every few minutes" in response.content.decode()


@pytest.fixture
def agreement(data, marketing_manager, sales_manager):
    draft = create_agreement(by=sales_manager)
    update_agreement(by=sales_manager, agreement=draft, name="SLA", summary="", at_risk_share=0.75, objectives=[
        {"metric": "response_time", "target": 90, "hours": 4},
        {"metric": "mqls_delivered", "target": 2},
        {"metric": "close_rate", "target": 40},
    ])  # fmt: skip
    propose_agreement(by=sales_manager, agreement=draft)
    sign_agreement(by=marketing_manager, agreement=draft)
    sign_agreement(by=sales_manager, agreement=draft)
    compute_history(org_id=data.org.pk)
    return draft


@pytest.mark.parametrize("role", ROLES)
def test_sla_compliance_reads_the_snapshots_each_role_may_see(data, agreement, member_of_role, role):
    member = member_of_role(role)
    figures = figure(scope_for(member, Filters(*BOTH, rep=data.rep.pk)), "sla")
    sides = {row[1] for row in figures.rows}
    assert sides == {Role.SALES_REP: {"sales"}, Role.MARKETER: {"marketing"}}.get(role, {"sales", "marketing"})
    for objective in figures.summary["objectives"]:
        starts = [p["start"] for p in objective["periods"]]
        assert len(starts) <= 12 and starts == sorted(starts) and starts[-1] <= BOTH[1]
        own = role in (Role.SALES_REP, Role.SALES_MANAGER, Role.ADMIN, Role.MARKETING_MANAGER)
        rep_figure = own and objective["side"] == "sales"
        for period in objective["periods"]:
            snapshot = ComplianceSnapshot.objects.filter(
                org=data.org, objective_id=objective["id"], period_start=period["start"],
                scope="rep" if rep_figure else "org", member_id_key=data.rep.pk if rep_figure else 0,
            ).first()  # fmt: skip
            assert period["value"] == (snapshot.value if snapshot else None)
    assert figures.as_of is not None


def test_the_kept_sla_card_follows_the_agreement_and_its_compliance_runs(data, marketing_manager, sales_manager):
    browser = signed_in(sales_manager)
    url = reverse("feedback:dashboard") + QUERY

    def sla_card() -> str:
        return browser.get(url).context["kept"]["sla"]

    assert "No signed agreement yet" in sla_card()
    assert "No signed agreement yet" in sla_card(), "a repeat view sends the card as kept"

    # Signing makes the agreement active: its objectives show at once, before any figure is in.
    draft = create_agreement(by=sales_manager)
    update_agreement(by=sales_manager, agreement=draft, name="SLA", summary="", at_risk_share=0.75, objectives=[
        {"metric": "mqls_delivered", "target": 2},
    ])  # fmt: skip
    propose_agreement(by=sales_manager, agreement=draft)
    sign_agreement(by=marketing_manager, agreement=draft)
    sign_agreement(by=sales_manager, agreement=draft)
    card = sla_card()
    assert "No signed agreement yet" not in card and card.count('data-testid="sla-objective"') == 1
    assert "No figure yet" in card and "as of" not in card

    # A compliance run writes the figures: the next view shows them, as of that run.
    compute_history(org_id=data.org.pk)
    card = sla_card()
    assert "No figure yet" not in card and "as of" in card
    shown = ComplianceSnapshot.objects.filter(org=data.org, scope="org", period_start__lte=BOTH[1])
    delivered = shown.order_by("-period_start").first()
    assert f'<strong class="text-body">{int(delivered.value)}</strong>' in card
