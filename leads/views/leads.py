"""The lead pages marketing works in: the filterable list of every lead, and one lead in full."""

import hashlib

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_countries import countries

from accounts.roles import Capability
from feedback.selectors import lead_history
from leads.export import export_values, stream_leads_csv
from leads.filters import LeadPageFilter
from leads.models import EngagementEvent, Lead
from leads.selectors import (
    TIMELINE_LENGTH,
    as_lead_rows,
    lead_evaluation,
    lead_filter_choices,
    lead_list,
    lead_score_parts,
    lead_timeline,
    leads_visible_to,
)
from leads.services.leads import record_leads_export
from leads.services.lifecycle import is_allowed
from sla.selectors import clocks_of_lead
from smarketing.pages import member_required, paginate

# "1–50 of 1,000+": counting further past the page shown costs every view of an org with 100k
# leads more than the rest of the page; paging on counts on from each page (smarketing.pages.paginate).
LIST_COUNT_CAP = 1_000

KIND_LABELS = dict(EngagementEvent.Kind.choices)
STAGES = [
    ("Created", "created_at"),
    ("Qualified (MQL)", "qualified_at"),
    ("Handed off", "handed_off_at"),
    ("Accepted", "accepted_at"),
    ("Rejected", "rejected_at"),
    ("First touch", "first_touch_at"),
    ("Opportunity", "opportunity_at"),
    ("Closed", "closed_at"),
]


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for pagination links to keep."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _digest(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def page_or_region(request: HttpRequest, template: str, region: str, context: dict) -> HttpResponse:
    """The whole page, or for htmx only its region (`template#region`)."""
    response = TemplateResponse(request, f"{template}#{region}" if request.htmx else template, context)
    # One URL answers with a page or a fragment; caches and the back button must not mix them up.
    patch_vary_headers(response, ("HX-Request",))
    return response


@member_required(Capability.WORK_MARKETING_LEADS)
@require_GET
def list_leads(request: HttpRequest) -> HttpResponse:
    member = request.member
    choices = lead_filter_choices(member)
    filters = LeadPageFilter(request.GET, queryset=leads_visible_to(member), **choices)
    # Counted without the company and campaign joins that only the rows shown need.
    page = paginate(request, as_lead_rows(filters.qs), count_cap=LIST_COUNT_CAP, counted=filters.qs)
    context = {
        "filters": filters,
        "page": page,
        "query": query_without_page(request),
        # The filter bar is made of the choices and the query string alone: rendered once per process
        # for each of them (templates/leads/list.html), not on every view.
        "filter_bar_key": _digest(member.org_id, choices, sorted(request.GET.lists())),
    }
    return page_or_region(request, "leads/list.html", "table", context)


@member_required(Capability.WORK_MARKETING_LEADS)
@require_GET
def export_leads(request: HttpRequest) -> StreamingHttpResponse:
    """Every lead the list shows with these filters, in the list's order, as one CSV file."""
    member = request.member
    filters = LeadPageFilter(
        request.GET,
        queryset=leads_visible_to(member).values(**export_values()),
        **lead_filter_choices(member),
    )
    leads = filters.qs
    used = {name: value for name, value in filters.form.cleaned_data.items() if value not in (None, "", [])}
    record_leads_export(by=member, filters={name: str(value) for name, value in used.items()}, request=request)
    response = StreamingHttpResponse(
        stream_leads_csv(leads, zone_name=member.org.time_zone), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{member.org.slug}-leads-{stamp}.csv"'
    return response


@member_required(Capability.WORK_MARKETING_LEADS)
@require_GET
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead: Lead = get_object_or_404(lead_list(request.member), pk=pk)
    parts = lead_score_parts(lead)
    timeline = lead_timeline(lead)
    context = {
        "lead": lead,
        "country": countries.name(lead.country) if lead.country else "",
        "stages": [(label, getattr(lead, field)) for label, field in STAGES],
        "score_parts": [(KIND_LABELS.get(part.kind, part.kind), part) for part in parts],
        "score_total": round(sum(part.points for part in parts), 1),
        "timeline": timeline,
        "timeline_cut": len(timeline) == TIMELINE_LENGTH,
        "evaluation": lead_evaluation(lead),
        "can_qualify": is_allowed(lead.status, Lead.Status.MQL),
        "can_disqualify": is_allowed(lead.status, Lead.Status.DISQUALIFIED),
        "can_hand_off": is_allowed(lead.status, Lead.Status.HANDED_OFF),
        "history": lead_history(lead),
        "clocks": clocks_of_lead(lead),
    }
    return TemplateResponse(request, "leads/detail.html", context)
