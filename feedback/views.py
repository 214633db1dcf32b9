"""Sales' side of the loop in the browser (SPEC section 5): follow-ups, lead quality feedback and
closing, posted from the brief page; and the objection and loss-reason lists managers keep.

Refused input shows again on the brief page with its errors and nothing is written; a lead someone
else moved on first gets a message and the brief as it is now.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Capability
from feedback import services
from feedback.forms import FollowUpForm, ListEntryForm, LostForm, OpportunityForm, QualityFeedbackForm, WonForm
from feedback.models import LossReason, ObjectionReason
from feedback.selectors import loss_reason_choices, loss_reasons_of, objection_choices, objection_reasons_of
from leads.forms import add_domain_error
from leads.handoff_forms import moved_on
from leads.models import Lead
from leads.selectors import asset_choices, assets_visible_to, briefs_visible_to, current_handoff
from leads.views.handoff import brief_response
from smarketing.errors import Conflict, DomainError
from smarketing.pages import member_required, redirect_after_post

S = Lead.Status
sales_page = member_required(Capability.WORK_SALES_LEADS)
lists_page = member_required(Capability.MANAGE_HANDOFF_RULES)


def _lead(request: HttpRequest, pk: int) -> Lead:
    return get_object_or_404(briefs_visible_to(request.member).select_related("owner__user"), pk=pk)


def _to_brief(request: HttpRequest, lead: Lead) -> HttpResponse:
    return redirect_after_post(request, reverse("leads:brief", args=[lead.pk]))


@sales_page
@require_POST
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    member = request.member
    lead = _lead(request, pk)
    form = FollowUpForm(request.POST, prefix="follow_up", objections=objection_choices(member))
    if form.is_valid():
        try:
            logged = services.log_follow_up(lead=lead, by=member, **form.service_values())
        except Conflict as error:
            messages.error(request, error.message)
            return _to_brief(request, lead)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            heard = len(form.cleaned_data["objections"])
            extra = f", {heard} objection{'s' if heard != 1 else ''}" if heard else ""
            what = f"{logged.get_kind_display()}: {logged.get_outcome_display().lower()}"
            messages.success(request, f"Follow-up logged ({what}{extra}).")
            return _to_brief(request, lead)
    return brief_response(request, lead, follow_up_form=form)


@sales_page
@require_POST
def quality(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    handoff = current_handoff(lead)
    criteria = [outcome["rule"] for outcome in (handoff.brief if handoff else {}).get("criteria_met", [])]
    form = QualityFeedbackForm(request.POST, prefix="quality", criteria=criteria)
    if form.is_valid():
        try:
            services.record_quality_feedback(lead=lead, by=request.member, **form.cleaned_data)
        except Conflict as error:
            messages.error(request, error.message)
            return _to_brief(request, lead)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Thank you: marketing sees your verdict next to the criteria that qualified it.")
            return _to_brief(request, lead)
    return brief_response(request, lead, quality_form=form)


def _close_form(request: HttpRequest, outcome: str):
    member = request.member
    if outcome == S.OPPORTUNITY:
        return "opportunity_form", OpportunityForm(request.POST, prefix="opportunity")
    if outcome == S.WON:
        return "won_form", WonForm(request.POST, prefix="won", assets=asset_choices(member))
    if outcome == S.LOST:
        return "lost_form", LostForm(request.POST, prefix="lost", reasons=loss_reason_choices(member))
    return None, None


CLOSED = {
    S.OPPORTUNITY: "{lead} is an opportunity now.",
    S.WON: "{lead} is won. Congratulations!",
    S.LOST: "{lead} is lost. The reason helps marketing send better leads.",
}


@sales_page
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    outcome = request.POST.get("outcome", "")
    name, form = _close_form(request, outcome)
    if form is None:
        messages.error(request, "Pick how the lead turned out: opportunity, won or lost.")
        return _to_brief(request, lead)
    if form.is_valid():
        values = {key: value for key, value in form.cleaned_data.items() if key != "seen_status"}
        if values.get("helped_asset"):
            values["helped_asset"] = assets_visible_to(request.member).filter(pk=values["helped_asset"]).first()
        else:
            values.pop("helped_asset", None)
        if values.get("loss_reason"):
            values["loss_reason"] = int(values["loss_reason"])
        try:
            if stale := moved_on(lead, form):
                raise Conflict(stale)
            services.close_lead(lead=lead, by=request.member, outcome=outcome, **values)
        except Conflict as error:
            messages.error(request, error.message)
            return _to_brief(request, lead)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, CLOSED[outcome].format(lead=lead))
            return _to_brief(request, lead)
    return brief_response(request, lead, **{name: form})


# The objection and loss-reason lists.


def _lists_page(request: HttpRequest, **forms) -> HttpResponse:
    member = request.member
    context = {
        "objections": list(objection_reasons_of(member)),
        "loss_reasons": list(loss_reasons_of(member)),
        "objection_form": forms.get("objection_form") or ListEntryForm(prefix="objection"),
        "loss_reason_form": forms.get("loss_reason_form") or ListEntryForm(prefix="loss_reason"),
    }
    return TemplateResponse(request, "feedback/lists.html", context)


@lists_page
@require_GET
def lists(request: HttpRequest) -> HttpResponse:
    return _lists_page(request)


def _add(request: HttpRequest, kind, prefix: str, said: str) -> HttpResponse:
    form = ListEntryForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            entry = services.add_to_list(by=request.member, kind=kind, name=form.cleaned_data["name"])
        except DomainError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, f"“{entry.name}” is on the {said} list.")
            return redirect_after_post(request, "feedback:lists")
    return _lists_page(request, **{f"{prefix}_form": form})


def _take_off(request: HttpRequest, entries, pk: int, said: str) -> HttpResponse:
    entry = get_object_or_404(entries, pk=pk)
    try:
        services.take_off_list(by=request.member, entry=entry)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"“{entry.name}” is off the {said} list. What was logged with it keeps it.")
    return redirect_after_post(request, "feedback:lists")


@lists_page
@require_POST
def objection_add(request: HttpRequest) -> HttpResponse:
    return _add(request, ObjectionReason, "objection", "objection")


@lists_page
@require_POST
def objection_take_off(request: HttpRequest, pk: int) -> HttpResponse:
    return _take_off(request, objection_reasons_of(request.member), pk, "objection")


@lists_page
@require_POST
def loss_reason_add(request: HttpRequest) -> HttpResponse:
    return _add(request, LossReason, "loss_reason", "loss-reason")


@lists_page
@require_POST
def loss_reason_take_off(request: HttpRequest, pk: int) -> HttpResponse:
    return _take_off(request, loss_reasons_of(request.member), pk, "loss-reason")
