"""The meeting packs in the browser: voice of sales, the monthly campaign check-in (printable, with
its notes) and the quarterly win/loss rundown. Every table exports as CSV with `?export=<table>`.

Every member opens them: a rep sees the figures of the leads handed to them (SPEC 7, "everyone
sees their own"), everyone else the whole organization. Parameters a page cannot use fall back to
the default with a sentence saying so; they never end in an error page.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Capability, Role
from feedback import reports
from feedback.models import CheckInNote
from feedback.periods import Month, Quarter, month_param, quarter_param
from feedback.report_forms import CheckInNotesForm, VoiceOfSalesFilter, quarter_choices
from feedback.reports.charts import objections_over_time, series
from feedback.reports.tables import AVERAGE, PERCENT, Table, csv_text, shown_text
from feedback.services.check_in import may_write_check_in_notes, save_check_in_notes
from feedback.services.exports import record_figures_export
from leads.selectors import campaign_choices
from leads.views.leads import page_or_region
from smarketing.errors import Conflict, DomainError
from smarketing.pages import member_required, redirect_after_post

# Won and lost keep their colours from chart to chart.
WON = {"backgroundColor": "#1f9d8b", "borderColor": "#1f9d8b"}
LOST = {"backgroundColor": "#c0392b", "borderColor": "#c0392b"}


def _today(request: HttpRequest):
    return timezone.localdate(timezone=request.member.org.zone)


def _query(request: HttpRequest) -> str:
    """The page's parameters without `export`, for the CSV links to keep."""
    params = request.GET.copy()
    params.pop("export", None)
    return params.urlencode()


def _csv(request: HttpRequest, tables: list[Table], stem: str, problems: list[str]) -> HttpResponse | None:
    """The CSV of the table `?export=` names; None (and a sentence) when it names none of them."""
    name = request.GET.get("export")
    if not name:
        return None
    table = next((t for t in tables if t.name == name), None)
    if table is None:
        problems.append(f"There is no table “{name[:40]}” to export; choose one of the CSV links below.")
        return None
    record_figures_export(by=request.member, report=stem, table=table.name, query=_query(request), request=request)
    response = HttpResponse("".join(csv_text(table)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{table.name.replace("_", "-")}.csv"'
    return response


def _base(request: HttpRequest, problems: list[str]) -> dict:
    return {
        "problems": problems,
        "query": _query(request),
        "own_only": request.member.role == Role.SALES_REP,
    }


@member_required()
@require_GET
def voice_of_sales(request: HttpRequest) -> HttpResponse:
    member = request.member
    filters = VoiceOfSalesFilter(request.GET, campaigns=campaign_choices(member))
    months, campaign, problems = filters.values()
    report = reports.voice_of_sales(member, months=months, campaign_id=campaign, today=_today(request))
    if response := _csv(request, report.tables, "voice-of-sales", problems):
        return response
    wrong = report.wrong_criteria
    context = _base(request, problems) | {
        "report": report,
        "filters": filters,
        "months": months,
        "can_draft": member.can(Capability.WORK_MARKETING_LEADS),
        "objections_chart": objections_over_time(report.over_time, report.reasons),
        "wrong_chart": series(
            wrong, labels="Rule", columns=["On rejected leads", "On accepted leads"], limit=8,
        ) if wrong.rows else None,
    }  # fmt: skip
    return page_or_region(request, "feedback/reports/voice_of_sales.html", "report", context)


def _check_in_context(request: HttpRequest, month: Month, problems: list[str]) -> dict:
    member = request.member
    check_in = reports.campaign_check_in(member, month=month)
    table = check_in.table
    with_content = {row.group for row in table.rows if row.level == "asset" and row.group}
    current = Month.of(_today(request))
    return _base(request, problems) | {
        "check_in": check_in,
        "table": table,
        "month": month,
        "previous": month.previous,
        "next": month.next if month < current else None,
        "with_content": with_content,
        "flagged": {
            level: {flag: _flagged(table, level, flag) for flag in ("best", "worst")} for level in ("campaign", "asset")
        },
        "min_answered": reports.MIN_ANSWERED,
        "note": check_in.note,
        "can_write": may_write_check_in_notes(member),
        "notes_form": CheckInNotesForm(initial=_notes_initial(month, check_in.note)),
    }


def _flagged(table: Table, level: str, flag: str) -> dict | None:
    """The best or worst row of a level, as the summary above the table says it."""
    row = next((r for r in table.rows if r.level == level and r.flag == flag), None)
    if row is None:
        return None
    values = dict(zip([c.label for c in table.columns], row.values, strict=True))
    return {
        "name": row.values[0],
        "acceptance": shown_text(values["Acceptance"], PERCENT),
        "answered": values["Accepted"] + values["Rejected"],
        "fit": shown_text(values["Average fit (1–5)"], AVERAGE),
    }


def _notes_initial(month: Month, note: CheckInNote | None) -> dict:
    return {
        "month": month.param,
        "seen": note.updated_at.isoformat() if note else "",
        "text": note.text if note else "",
    }


@member_required()
@require_GET
def check_in(request: HttpRequest) -> HttpResponse:
    # The check-in reviews a finished month: the one before this one, unless another is asked for.
    month, problem = month_param(request.GET.get("month"), default=Month.of(_today(request)).previous)
    problems = [problem] if problem else []
    context = _check_in_context(request, month, problems)
    if response := _csv(request, [context["table"]], f"campaign-check-in-{month.param}", problems):
        return response
    return TemplateResponse(request, "feedback/reports/check_in.html", context)


@member_required()
@require_POST
def check_in_notes(request: HttpRequest) -> HttpResponse:
    member = request.member
    if not may_write_check_in_notes(member):
        raise PermissionDenied
    form = CheckInNotesForm(request.POST)
    month = Month.parse(request.POST.get("month", ""))
    if month is None:
        messages.error(request, "Which month are these notes for? Here is the check-in again: save from it.")
        return redirect_after_post(request, "feedback:check_in")
    error = ""
    if form.is_valid():
        try:
            note = save_check_in_notes(by=member, month=month.first_day, text=form.cleaned_data["text"],
                                       seen=form.cleaned_data["seen"])  # fmt: skip
        except (Conflict, DomainError) as refused:
            error = refused.message
        else:
            if not request.htmx:
                messages.success(request, f"Notes for {month.label} saved.")
                return redirect_after_post(request, f"{reverse('feedback:check_in')}?month={month.param}")
            context = {"month": month, "note": note, "can_write": True, "saved": True,
                       "notes_form": CheckInNotesForm(initial=_notes_initial(month, note))}  # fmt: skip
            return TemplateResponse(request, "feedback/reports/check_in.html#notes", context)
    else:
        error = " ".join(message for errors in form.errors.values() for message in errors)
    # Refused: the writer's text stays in the box, beside the notes as they are saved now.
    note = CheckInNote.objects.filter(org_id=member.org_id, month=month.first_day).select_related("updated_by__user")
    note = note.first()
    shown = CheckInNotesForm(initial={**_notes_initial(month, note), "text": request.POST.get("text", "")})
    context = {"month": month, "note": note, "can_write": True, "notes_form": shown, "error": error,
               "conflict": note is not None and error != ""}  # fmt: skip
    if request.htmx:
        return TemplateResponse(request, "feedback/reports/check_in.html#notes", context)
    messages.error(request, error)
    return redirect_after_post(request, f"{reverse('feedback:check_in')}?month={month.param}")


@member_required()
@require_GET
def win_loss(request: HttpRequest) -> HttpResponse:
    current = Quarter.of(_today(request))
    # The rundown reviews a finished quarter: the last one, unless another is asked for.
    quarter, problem = quarter_param(request.GET.get("quarter"), default=current.previous)
    problems = [problem] if problem else []
    report = reports.win_loss(request.member, quarter=quarter)
    if response := _csv(request, report.tables, f"win-loss-{quarter.param}", problems):
        return response
    present = report.present_in_won
    context = _base(request, problems) | {
        "report": report,
        "quarter": quarter,
        "previous": quarter.previous,
        "next": quarter.next if quarter < current else None,
        "quarters": quarter_choices(current, quarter),
        "loss_chart": series(report.loss_reasons, labels="Loss reason", columns=["Lost"], options={"Lost": LOST}),
        "source_chart": series(report.by["source"], labels="Source", columns=["Won", "Lost"],
                               options={"Won": WON, "Lost": LOST}),
        "present_chart": series(
            present, labels="Tactic or content", columns=["Share of won", "Share of lost"], limit=10,
            options={"Share of won": WON, "Share of lost": LOST},
        ) if present.rows else None,
    }  # fmt: skip
    return page_or_region(request, "feedback/reports/win_loss.html", "report", context)
