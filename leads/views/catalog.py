"""Companies, campaigns and content: the lists marketing browses, and forms that go through the services."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods
from django_countries import countries

from accounts.roles import Capability
from leads.forms import CampaignForm, ContentAssetForm, add_domain_error
from leads.selectors import (
    assets_of_campaign,
    assets_with_figures,
    campaigns_with_figures,
    companies_with_lead_counts,
    leads_of_company,
    newest_leads_of_campaign,
)
from leads.services import catalog
from leads.views.leads import page_or_region, query_without_page
from smarketing.errors import Conflict, DomainError
from smarketing.pages import member_required, paginate, redirect_after_post

marketing_page = member_required(Capability.WORK_MARKETING_LEADS)


@marketing_page
@require_GET
def companies(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")
    page = paginate(request, companies_with_lead_counts(request.member, search=search))
    context = {"page": page, "q": search, "query": query_without_page(request)}
    return page_or_region(request, "leads/companies.html", "table", context)


@marketing_page
@require_GET
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_object_or_404(companies_with_lead_counts(request.member), pk=pk)
    context = {
        "company": company,
        "country": countries.name(company.country) if company.country else "",
        "page": paginate(request, leads_of_company(request.member, company)),
    }
    return TemplateResponse(request, "leads/company.html", context)


@marketing_page
@require_http_methods(["GET", "POST"])
def campaigns(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = catalog.create_campaign(by=request.member, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Campaign “{campaign.name}” is created.")
            return redirect_after_post(request, "leads:campaign", campaign.pk)
    context = {"form": form, "page": paginate(request, campaigns_with_figures(request.member))}
    return TemplateResponse(request, "leads/campaigns.html", context)


@marketing_page
@require_http_methods(["GET", "POST"])
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = request.member
    campaign = get_object_or_404(campaigns_with_figures(member), pk=pk)
    form = CampaignForm.for_campaign(campaign)
    if request.method == "POST" and request.POST.get("action") == "delete":
        try:
            catalog.delete_campaign(by=member, campaign=campaign)
        except Conflict as error:
            messages.error(request, error.message)
            return redirect_after_post(request, "leads:campaign", campaign.pk)
        messages.success(request, f"Campaign “{campaign.name}” is deleted.")
        return redirect_after_post(request, "leads:campaigns")
    if request.method == "POST":
        form = CampaignForm.for_campaign(campaign, request.POST)
        if form.is_valid():
            try:
                catalog.update_campaign(by=member, campaign=campaign, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, "Campaign saved.")
                return redirect_after_post(request, "leads:campaign", campaign.pk)
    context = {
        "campaign": campaign,
        "form": form,
        "assets": assets_of_campaign(member, campaign),
        "leads": newest_leads_of_campaign(member, campaign),
    }
    return TemplateResponse(request, "leads/campaign.html", context)


@marketing_page
@require_http_methods(["GET", "POST"])
def assets(request: HttpRequest) -> HttpResponse:
    form = ContentAssetForm(request.POST or None, member=request.member)
    if request.method == "POST" and form.is_valid():
        try:
            asset = catalog.create_content_asset(by=request.member, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"“{asset.title}” is added to your content.")
            return redirect_after_post(request, "leads:asset", asset.pk)
    context = {"form": form, "page": paginate(request, assets_with_figures(request.member))}
    return TemplateResponse(request, "leads/assets.html", context)


@marketing_page
@require_http_methods(["GET", "POST"])
def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = request.member
    asset = get_object_or_404(assets_with_figures(member), pk=pk)
    form = ContentAssetForm.for_asset(asset, member=member)
    if request.method == "POST" and request.POST.get("action") == "delete":
        try:
            catalog.delete_content_asset(by=member, asset=asset)
        except Conflict as error:
            messages.error(request, error.message)
            return redirect_after_post(request, "leads:asset", asset.pk)
        messages.success(request, f"“{asset.title}” is deleted.")
        return redirect_after_post(request, "leads:assets")
    if request.method == "POST":
        form = ContentAssetForm.for_asset(asset, member=member, data=request.POST)
        if form.is_valid():
            try:
                catalog.update_content_asset(by=member, asset=asset, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, "Content saved.")
                return redirect_after_post(request, "leads:asset", asset.pk)
    return TemplateResponse(request, "leads/asset.html", {"asset": asset, "form": form})
