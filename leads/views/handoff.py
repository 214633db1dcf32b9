"""The hand-off pages (SPEC section 4): marketing hands a lead off; sales answers from its inbox and
the frozen brief; returned leads go back to marketing; managers keep the routing rules.

The services decide and write; these views show their refusals as messages. A race lost to someone
else (a second Accept, a double-clicked Hand off) ends on the page showing the lead as it is now.
"""

from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Capability, Role, Side
from accounts.selectors import members_visible_to
from accounts.services import set_rep_availability
from feedback.forms import FollowUpForm, LostForm, OpportunityForm, QualityFeedbackForm, WonForm
from feedback.selectors import (
    follow_ups_of,
    loss_reason_choices,
    objection_choices,
    outcome_of,
    quality_feedback_on,
)
from leads.forms import add_domain_error
from leads.handoff_forms import (
    AvailabilityForm,
    HandOffForm,
    InboxFilter,
    RejectForm,
    RoutingRuleForm,
    SeenForm,
    moved_on,
)
from leads.models import HandOff, Lead
from leads.selectors import (
    asset_choices,
    briefs_visible_to,
    current_handoff,
    inbox_counts,
    lead_evaluation,
    lead_list,
    leads_visible_to,
    rep_inbox,
    returned_by_sales,
    routing_rules_visible_to,
    sales_team,
)
from leads.services.handoff import (
    accept_lead,
    delete_routing_rule,
    hand_off_lead,
    reject_lead,
    renurture_lead,
    save_routing_rule,
)
from leads.services.lifecycle import is_allowed
from leads.views.leads import page_or_region, query_without_page
from sla.selectors import clocks_of_lead, running_clocks_of
from smarketing.errors import Conflict, DomainError
from smarketing.pages import member_required, paginate, redirect_after_post

S = Lead.Status
HANDS_OFF = (S.MQL, S.RECYCLED)
WORKABLE = (S.ACCEPTED, S.WORKING, S.OPPORTUNITY)
marketing_page = member_required(Capability.WORK_MARKETING_LEADS)
sales_page = member_required(Capability.WORK_SALES_LEADS)
rules_page = member_required(Capability.MANAGE_HANDOFF_RULES)


def _next(request: HttpRequest, default: str) -> str:
    """Where to go after a form: the page it was sent from (a queue with its filters), if it is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _go(request: HttpRequest, to: str) -> HttpResponse:
    return redirect_after_post(request, to)


# Marketing: hand off, and take back what sales returned.


@marketing_page
@require_http_methods(["GET", "POST"])
def hand_off(request: HttpRequest, pk: int) -> HttpResponse:
    member = request.member
    lead: Lead = get_object_or_404(lead_list(member), pk=pk)
    lead_page = reverse("leads:detail", args=[lead.pk])
    form = HandOffForm(request.POST or None, team=sales_team(member))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            handoff = hand_off_lead(lead=lead, by=member, rep=data["rep"], note=data["note"], request=request)
        except DomainError as error:
            if isinstance(error, Conflict) and error.code != "no_rep_available":
                # Handed off already (a double click, a colleague): the lead page shows where it is now.
                messages.error(request, error.message)
                return _go(request, lead_page)
            add_domain_error(form, error)
        else:
            messages.success(request, f"{lead} is handed off to {handoff.rep.name} ({handoff.routing}).")
            return _go(request, _next(request, lead_page))
    context = {
        "lead": lead,
        "form": form,
        "can_hand_off": lead.status in HANDS_OFF,
        "evaluation": lead_evaluation(lead),
        "returned": current_handoff(lead) if lead.status == S.RECYCLED else None,
        "next": _next(request, ""),
    }
    return TemplateResponse(request, "leads/hand_off.html", context)


@marketing_page
@require_GET
def returned(request: HttpRequest) -> HttpResponse:
    context = {
        "page": paginate(request, returned_by_sales(request.member)),
        "query": query_without_page(request),
        "reject_reasons": HandOff.RejectReason.choices,
    }
    return page_or_region(request, "leads/returned.html", "table", context)


@marketing_page
@require_POST
def renurture(request: HttpRequest, pk: int) -> HttpResponse:
    lead: Lead = get_object_or_404(leads_visible_to(request.member), pk=pk)
    form = SeenForm(request.POST)
    form.is_valid()
    try:
        if stale := moved_on(lead, form):
            raise Conflict(stale)
        renurture_lead(lead=lead, by=request.member, note=request.POST.get("note", "")[:2000])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{lead} is back in nurturing: marketing keeps warming it up.")
    return _go(request, _next(request, reverse("leads:returned")))


# Sales: the inbox, the brief, accept or reject.


@sales_page
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    member = request.member
    manager = member.role != Role.SALES_REP
    team = sales_team(member) if manager else []
    filters = InboxFilter(request.GET, team=team)
    owner = filters.owner_id() if manager else None
    counts = inbox_counts(member, owner=owner)
    if request.htmx and request.GET.get("region") == "counts":
        response = TemplateResponse(request, "leads/inbox.html#counts", {"counts": counts, "owner": owner})
        patch_vary_headers(response, ("HX-Request",))
        return response
    page = paginate(request, rep_inbox(member, owner=owner))
    context = {
        "counts": counts,
        "owner": owner,
        "manager": manager,
        "filters": filters,
        "page": page,
        # The SLA countdowns of the page's leads, in one query.
        "clocks": running_clocks_of(org_id=member.org_id, lead_ids=[row["id"] for row in page.object_list]),
        "query": query_without_page(request),
        "can_route": member.can(Capability.MANAGE_HANDOFF_RULES),
    }
    return page_or_region(request, "leads/inbox.html", "table", context)


def _brief_lead(request: HttpRequest, pk: int) -> Lead:
    return get_object_or_404(briefs_visible_to(request.member).select_related("owner__user"), pk=pk)


def _engagement(brief: dict) -> list[dict]:
    return [{**touch, "at": datetime.fromisoformat(touch["at"])} for touch in brief.get("engagement", [])]


def brief_response(request: HttpRequest, lead: Lead, **forms) -> HttpResponse:
    """The brief page: what marketing sent, frozen at hand-off, and what sales can do next. Action
    views whose input was refused pass their bound form, so the page shows it with its errors."""
    member = request.member
    handoff: HandOff | None = current_handoff(lead)
    brief = handoff.brief if handoff else {}
    manager = member.role in (Role.SALES_MANAGER, Role.ADMIN)
    holder = manager or lead.owner_id == member.pk
    status = lead.status
    seen = {"seen_status": status}
    acts = {
        "answer": holder and status == S.HANDED_OFF,
        "follow_up": holder and status in WORKABLE,
        "opportunity": holder and is_allowed(status, S.OPPORTUNITY),
        "won": holder and is_allowed(status, S.WON),
        "lost": holder and is_allowed(status, S.LOST),
        "rate": handoff is not None
        and (handoff.accepted_at is not None or handoff.rejected_at is not None)
        and (manager or handoff.rep_id == member.pk),
    }
    given = quality_feedback_on(handoff, member) if acts["rate"] else None
    if acts["answer"]:
        forms.setdefault("reject_form", RejectForm(prefix="reject", initial=seen))
    if acts["follow_up"]:
        forms.setdefault("follow_up_form", FollowUpForm(prefix="follow_up", objections=objection_choices(member)))
    if acts["opportunity"]:
        forms.setdefault("opportunity_form", OpportunityForm(prefix="opportunity", initial=seen))
    if acts["won"]:
        forms.setdefault("won_form", WonForm(prefix="won", assets=asset_choices(member), initial=seen))
    if acts["lost"]:
        forms.setdefault("lost_form", LostForm(prefix="lost", reasons=loss_reason_choices(member), initial=seen))
    if acts["rate"]:
        criteria = [outcome["rule"] for outcome in brief.get("criteria_met", [])]
        forms.setdefault("quality_form", QualityFeedbackForm(prefix="quality", criteria=criteria, given=given))
    context = {
        "lead": lead,
        "handoff": handoff,
        "brief": brief,
        "facts": brief.get("lead", {}),
        "engagement": _engagement(brief),
        "acts": acts,
        "any_act": any(acts.values()),
        "given": given,
        "follow_ups": follow_ups_of(lead),
        "clocks": clocks_of_lead(lead),
        "outcome": outcome_of(lead) if status in (S.OPPORTUNITY, S.WON, S.LOST) else None,
        **forms,
    }
    return TemplateResponse(request, "leads/brief.html", context)


@sales_page
@require_GET
def brief(request: HttpRequest, pk: int) -> HttpResponse:
    return brief_response(request, _brief_lead(request, pk))


@sales_page
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _brief_lead(request, pk)
    form = SeenForm(request.POST)
    form.is_valid()
    try:
        if stale := moved_on(lead, form):
            raise Conflict(stale)
        accept_lead(lead=lead, by=request.member, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"You accepted {lead}. Log the first follow-up once you have reached out.")
    return _go(request, _next(request, reverse("leads:brief", args=[lead.pk])))


@sales_page
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _brief_lead(request, pk)
    form = RejectForm(request.POST, prefix="reject")
    if not form.is_valid():
        return brief_response(request, lead, reject_form=form)
    data = form.cleaned_data
    try:
        if stale := moved_on(lead, form):
            raise Conflict(stale)
        reject_lead(lead=lead, by=request.member, reason=data["reason"], note=data["note"], request=request)
    except Conflict as error:
        messages.error(request, error.message)
    except DomainError as error:
        add_domain_error(form, error)
        return brief_response(request, lead, reject_form=form)
    else:
        label = HandOff.RejectReason(data["reason"]).label.lower()
        messages.success(request, f"{lead} is returned to marketing ({label}). Tell marketing how good the lead was.")
    return _go(request, reverse("leads:brief", args=[lead.pk]))


# Routing rules and the reps' availability.


def _may_set_availability(member) -> bool:
    return member.can(Capability.MANAGE_ORGANIZATION) or member.role == Role.SALES_MANAGER


def _availability_form(rep) -> AvailabilityForm:
    initial = {"is_away": rep.is_away, "max_open_leads": rep.max_open_leads}
    form = AvailabilityForm(initial=initial, auto_id=f"id_rep{rep.pk}_%s")
    # One form per row: the table row's inputs belong to the row's form by its id.
    for field in form.fields.values():
        field.widget.attrs["form"] = f"availability-{rep.pk}"
    return form


@rules_page
@require_GET
def routing_rules(request: HttpRequest) -> HttpResponse:
    member = request.member
    team = sales_team(member)
    context = {
        "rules": list(routing_rules_visible_to(member)),
        "team": [(rep, _availability_form(rep)) for rep in team],
        "can_set_availability": _may_set_availability(member),
    }
    return TemplateResponse(request, "leads/routing_rules.html", context)


def _rule_form_page(request: HttpRequest, rule, form: RoutingRuleForm) -> HttpResponse:
    return TemplateResponse(request, "leads/routing_rule.html", {"rule": rule, "form": form})


def _save_rule(request: HttpRequest, rule, form: RoutingRuleForm) -> HttpResponse:
    if form.is_valid():
        try:
            saved = save_routing_rule(by=request.member, rule=rule, **form.service_values())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Routing rule “{saved.name}” is saved.")
            return _go(request, reverse("leads:routing_rules"))
    return _rule_form_page(request, rule, form)


@rules_page
@require_http_methods(["GET", "POST"])
def routing_rule_new(request: HttpRequest) -> HttpResponse:
    member = request.member
    team = sales_team(member)
    if request.method == "POST":
        return _save_rule(request, None, RoutingRuleForm(request.POST, team=team))
    position = max((rule.position for rule in routing_rules_visible_to(member)), default=0) + 10
    return _rule_form_page(request, None, RoutingRuleForm(team=team, initial={"position": position}))


@rules_page
@require_http_methods(["GET", "POST"])
def routing_rule(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(routing_rules_visible_to(request.member), pk=pk)
    team = sales_team(request.member)
    if request.method == "POST":
        return _save_rule(request, rule, RoutingRuleForm.for_rule(rule, team, request.POST))
    return _rule_form_page(request, rule, RoutingRuleForm.for_rule(rule, team))


@rules_page
@require_POST
def routing_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(routing_rules_visible_to(request.member), pk=pk)
    try:
        delete_routing_rule(by=request.member, rule=rule)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Routing rule “{rule.name}” is deleted.")
    return _go(request, reverse("leads:routing_rules"))


@rules_page
@require_POST
def rep_availability(request: HttpRequest, pk: int) -> HttpResponse:
    rep = get_object_or_404(members_visible_to(request.member).filter(side=Side.SALES), pk=pk)
    form = AvailabilityForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"{rep.name}: max open leads is a number from 1 to 10,000, or empty for no limit.")
        return _go(request, reverse("leads:routing_rules"))
    try:
        set_rep_availability(by=request.member, member=rep, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        limit = rep.max_open_leads
        state = "away" if rep.is_away else "available"
        messages.success(request, f"{rep.name} is {state}" + (f", up to {limit} open leads." if limit else "."))
    return _go(request, reverse("leads:routing_rules"))
