"""The alignment dashboard and the score calibration page (SPEC section 7), each figure's CSV file,
and "Refresh now". The pages read snapshot tables only (feedback.dashboards), which also decides
what each role sees; a filter change re-renders only the figures (htmx), a plain GET works too.
"""

import csv
from datetime import date, datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Capability
from feedback import dashboard_charts as charts
from feedback.dashboard_forms import PERIODS, DashboardFilterForm
from feedback.dashboards import (
    FIGURES,
    Figures,
    Filters,
    Scope,
    calibration,
    calibration_versions,
    figure,
    figure_title,
    figure_visible,
    figures,
    scope_for,
)
from feedback.dashboards.cache import cached_html
from feedback.services.exports import record_figures_export
from feedback.tasks import refresh_dashboards_task
from smarketing.pages import member_required
from smarketing.queue import enqueue_on_commit

# A spreadsheet runs a cell starting with one of these as a formula: a campaign named "=HYPERLINK(...)"
# must arrive as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _filters(request: HttpRequest) -> tuple[DashboardFilterForm, Filters]:
    member = request.member
    form = DashboardFilterForm(request.GET, member=member, today=timezone.now().astimezone(member.org.zone).date())
    return form, form.filters()


def _query(filters: Filters) -> str:
    """The filters as applied, as a query string: CSV links and the refresh button carry exactly them."""
    params = {"period": "custom", "start": filters.start.isoformat(), "end": filters.end.isoformat()}
    for name in ("campaign", "source", "rep", "team"):
        value = getattr(filters, name)
        if value not in (None, ""):
            params[name] = value
    return urlencode(params)


def _card(scope: Scope, name: str, figures: Figures, chart: charts.Chart | None, query: str, **extra) -> dict:
    return {
        "name": name, "title": figure_title(name), "figures": figures, "chart": chart,
        "csv_url": f"{reverse('feedback:dashboard_csv', args=[name])}?{query}", **extra,
    }  # fmt: skip


def _page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """The whole page, or for htmx only its figures (`template#figures`)."""
    response = TemplateResponse(request, f"{template}#figures" if request.htmx else template, context)
    # One URL answers with a page or a fragment; caches and the back button must not mix them up.
    patch_vary_headers(response, ("HX-Request",))
    return response


def _common(request: HttpRequest, form: DashboardFilterForm, filters: Filters, scope: Scope) -> dict:
    return {
        "form": form,
        "filters": scope.filters,
        "period": form.applied_period,
        "periods": PERIODS,
        "problems": form.problems(),
        "query": _query(filters),
        # After a preset period is picked, its dates follow it into the form (swapped in out of band).
        "dates_out_of_band": bool(request.htmx) and form.applied_period != "custom",
        "may_refresh": request.member.can(Capability.VIEW_ALL_FIGURES),
        "own_figures": scope.reps is not None and scope.filters.rep == request.member.pk,
    }


def _freshness(cards: list[dict]) -> dict:
    shown = [card["figures"].as_of for card in cards if card["name"] != "sla"]
    known = [moment for moment in shown if moment is not None]
    return {
        # The oldest snapshot read; None when one of them was never computed.
        "as_of": min(known) if known and len(known) == len(shown) else None,
        "never_computed": not known,
    }


def _dashboard_figures(scope: Scope, common: dict) -> dict[str, str]:
    """Every figure of the dashboard, rendered: the pieces before the SLA card, the card, and after it."""
    query = common["query"]
    visible = {name for name in FIGURES if figure_visible(scope, name)}
    cards: dict[str, dict] = {}
    builders = {
        "funnel": charts.funnel_chart,
        "mql": charts.mql_chart,
        "acceptance": charts.acceptance_chart,
        "handoff-timings": charts.timings_chart,
        "reps": charts.reps_chart,
    }
    shown = [name for name in builders if name in visible]
    close_rates = [f"close-rates-by-{by}" for by in ("source", "campaign", "version")]
    # Not kept one by one: the rendered pieces are kept instead (cached_html).
    found = figures(scope, [*shown, *close_rates, "calibration"], keep=False)
    for name in shown:
        cards[name] = _card(scope, name, found[name], builders[name](found[name]), query)
    for name in close_rates:
        by = name.removeprefix("close-rates-by-")
        cards[name] = _card(scope, name, found[name], charts.close_rate_chart(found[name], by), query)
    calibrated = found["calibration"]
    close_per_band = charts.calibration_charts(calibrated)[1] if calibrated.rows else None
    cards["calibration"] = _card(scope, "calibration", calibrated, close_per_band, query)
    # Only what the pieces show, and rendered without the request: no context processor adds what
    # belongs to one response (the CSP nonce, the CSRF token) to HTML that is sent again.
    context = {key: common[key] for key in ("filters", "period", "problems", "query", "dates_out_of_band",
                                            "own_figures")}  # fmt: skip
    context |= _freshness(list(cards.values())) | {
        # Templates name the cards with underscores ("handoff_timings"): hyphens do not pass there.
        "cards": {name.replace("-", "_"): card for name, card in cards.items()},
        "close_rates": [cards[f"close-rates-by-{by}"] for by in ("source", "campaign", "version")],
    }
    pieces = {
        piece.replace("-", "_"): render_to_string(f"feedback/dashboard/figures.html#{piece}", context)
        for piece in ("before-sla", "after-sla")
    }
    sla = figure(scope, "sla")
    objectives = [(o, charts.sla_chart(o)) for o in sla.summary["objectives"]]
    card = _card(scope, "sla", sla, None, query, objectives=objectives)
    return pieces | {"sla": render_to_string("feedback/dashboard/sla.html", {"card": card})}


@member_required()
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    scope = scope_for(request.member, filters)
    context = _common(request, form, filters, scope)
    # A repeat view since the last refresh sends the figures as rendered then: one cache read.
    # Besides the scope, what the pieces show: problems with the request, the dates swapped in
    # out of band, "your own leads", and the time zone the snapshot times are written in.
    decides = ["dashboard", *context["problems"], str(context["dates_out_of_band"]), str(context["own_figures"]),
               timezone.get_current_timezone_name()]  # fmt: skip
    kept = cached_html(scope, decides, lambda: _dashboard_figures(scope, context))
    context["kept"] = {piece: mark_safe(html) for piece, html in kept.items()}  # noqa: S308 -- our own rendered templates
    return _page(request, "feedback/dashboard/page.html", context)


@member_required()
@require_GET
def score_calibration(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    scope = scope_for(request.member, filters)
    versions = calibration_versions(org_id=scope.org_id)
    bands = calibration(scope, versions=versions)
    card = _card(scope, "calibration", bands, None, _query(filters), charts=charts.calibration_charts(bands))
    context = _common(request, form, filters, scope) | _freshness([card]) | {"card": card, "versions": versions}
    return _page(request, "feedback/dashboard/calibration.html", context)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@member_required()
@require_GET
def figure_csv(request: HttpRequest, name: str) -> HttpResponse:
    """One figure's rows as a CSV file, with the filters of the page it was downloaded from."""
    if name not in FIGURES:
        raise Http404
    _, filters = _filters(request)
    scope = scope_for(request.member, filters)
    if not figure_visible(scope, name):
        raise PermissionDenied
    rows = figure(scope, name)
    record_figures_export(by=request.member, report="Dashboard", table=name, query=_query(filters), request=request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stem = f"{request.member.org.slug}-{name}-{scope.filters.start:%Y-%m-%d}-to-{scope.filters.end:%Y-%m-%d}"
    response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    # A byte-order mark, so spreadsheet programs read the file as UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(rows.labels)
    writer.writerows([_cell(value) for value in row] for row in rows.rows)
    return response


@member_required(Capability.VIEW_ALL_FIGURES)
@require_POST
def refresh_now(request: HttpRequest) -> HttpResponse:
    """Managers need not wait for the next run: the figures are recomputed in the background."""
    enqueue_on_commit(refresh_dashboards_task, request.member.org_id)
    messages.success(request, "The figures are being refreshed: reload the page in a minute.")
    # Back to the same filters; only a query string is taken from the form, never a place to go.
    query = QueryDict(request.POST.get("query", "")).urlencode()
    return redirect(f"{reverse('feedback:dashboard')}?{query}" if query else reverse("feedback:dashboard"))
