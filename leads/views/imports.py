"""Import leads from a CSV file: upload, map the columns, preview, run in the background, read the report."""

import re

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Capability
from leads.csv_import import DELIMITER_NAMES, ENCODING_NAMES, column_examples, guess_mapping, rejections_csv
from leads.import_forms import MappingForm, UploadForm
from leads.models import LeadImport
from leads.selectors import (
    import_list,
    import_preview_rows,
    import_rejections,
    imports_visible_to,
    preview_columns,
    rejected_rows,
    remembered_columns,
)
from leads.services import imports as services
from smarketing.errors import DomainError
from smarketing.pages import member_required, paginate

Status = LeadImport.Status


def _file_facts(lead_import: LeadImport) -> dict:
    return {
        "encoding_name": ENCODING_NAMES.get(lead_import.encoding, lead_import.encoding),
        "delimiter_name": DELIMITER_NAMES.get(lead_import.delimiter, lead_import.delimiter),
    }


@member_required(Capability.WORK_MARKETING_LEADS)
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            lead_import = services.upload_lead_file(by=request.member, file_name=upload.name, data=upload.read())
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            return redirect("leads:import_mapping", lead_import.pk)
    context = {"form": form, "page": paginate(request, import_list(request.member), per_page=20)}
    return TemplateResponse(request, "leads/import_start.html", context)


@member_required(Capability.WORK_MARKETING_LEADS)
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    lead_import = get_object_or_404(imports_visible_to(request.member), pk=pk)
    if lead_import.status != Status.UPLOADED:
        return redirect("leads:import_detail", lead_import.pk)
    initial = lead_import.mapping or guess_mapping(
        lead_import.headers, remembered_columns(org_id=request.member.org_id)
    )
    form = MappingForm(
        request.POST if request.method == "POST" else None,
        headers=lead_import.headers,
        initial_mapping=initial,
        examples=column_examples(lead_import.headers, lead_import.sample),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_import_mapping(by=request.member, lead_import=lead_import, mapping=form.mapping)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return redirect("leads:import_preview", lead_import.pk)
    context = {"lead_import": lead_import, "form": form, **_file_facts(lead_import)}
    return TemplateResponse(request, "leads/import_mapping.html", context)


@member_required(Capability.WORK_MARKETING_LEADS)
@require_GET
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    lead_import = get_object_or_404(imports_visible_to(request.member), pk=pk)
    if lead_import.status != Status.UPLOADED:
        return redirect("leads:import_detail", lead_import.pk)
    if not lead_import.mapping:
        return redirect("leads:import_mapping", lead_import.pk)
    rows = import_preview_rows(lead_import)
    context = {
        "lead_import": lead_import,
        "columns": preview_columns(lead_import),
        "rows": rows,
        "bad_rows": sum(1 for row in rows if not row.ok),
        **_file_facts(lead_import),
    }
    return TemplateResponse(request, "leads/import_preview.html", context)


@member_required(Capability.WORK_MARKETING_LEADS)
@require_POST
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    lead_import = get_object_or_404(imports_visible_to(request.member), pk=pk)
    try:
        services.start_lead_import(by=request.member, lead_import=lead_import, request=request)
    except DomainError as error:
        messages.error(request, error.message)
        if error.code == "mapping_missing":
            return redirect("leads:import_mapping", lead_import.pk)
    return redirect("leads:import_detail", lead_import.pk)


@member_required(Capability.WORK_MARKETING_LEADS)
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress while the import runs (htmx polls the status region), then the report."""
    lead_import = get_object_or_404(import_list(request.member), pk=pk)
    if lead_import.status == Status.UPLOADED:
        return redirect("leads:import_mapping", lead_import.pk)
    # While it runs, the region polled every second shows progress only: no rejected rows to page through.
    page = paginate(request, import_rejections(lead_import)) if lead_import.is_finished else None
    context = {"lead_import": lead_import, "page": page}
    template = "leads/import_detail.html#status" if request.htmx else "leads/import_detail.html"
    return TemplateResponse(request, template, context)


@member_required(Capability.WORK_MARKETING_LEADS)
@require_GET
def import_rejections_csv(request: HttpRequest, pk: int) -> HttpResponse:
    lead_import = get_object_or_404(imports_visible_to(request.member), pk=pk)
    services.record_rejections_export(by=request.member, lead_import=lead_import, request=request)
    rows = rejected_rows(lead_import)
    response = StreamingHttpResponse(rejections_csv(lead_import.headers, rows), content_type="text/csv; charset=utf-8")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", lead_import.file_name.rsplit(".", 1)[0]).strip("-.") or "leads"
    response["Content-Disposition"] = f'attachment; filename="{stem}-rejected-rows.csv"'
    return response
