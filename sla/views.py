"""The SLA pages (SPEC section 6): the agreement in force with its figures, and its versions.

Every member reads the agreement and its figures: both sides promised something, both see whether
it is kept. The two managers draft, propose, sign or send back a version; the services decide who
may do what, the pages only hide the buttons a member could not use and show the refusals.
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import MANAGERS, Capability, Role
from leads.views.leads import page_or_region, query_without_page
from sla.forms import METRIC_CHOICES, AgreementEditor, CompareForm
from sla.models import Agreement
from sla.objectives import CLOSE_TO_TARGET, changes
from sla.selectors import (
    active_agreement,
    agreement_detail,
    agreement_history,
    agreements_visible_to,
    breaches_visible_to,
    objectives_of,
    sla_overview,
)
from sla.services import agreements as services
from smarketing.errors import DomainError
from smarketing.pages import act_and_report, member_required, paginate, posted_comment, redirect_after_post

A = Agreement.Status
BREACHES_COUNT_CAP = 10_000
BREACHES_PER_PAGE = 25
signer_page = member_required(Capability.SIGN_AGREEMENTS)


def _agreement(request: HttpRequest, pk) -> Agreement:
    return agreement_detail(request.member, pk)


def _agreement_by_param(request: HttpRequest, raw: str) -> Agreement:
    if not raw.isdigit():
        raise Http404
    return _agreement(request, int(raw))


def _chart(objective: dict) -> dict:
    """What charts.js draws for one objective: its last twelve periods, and its target as a dashed line."""
    share = objective["is_share"]
    return {
        "element_id": f"sla-trend-{objective['id']}",
        "suffix": "%" if share else "",
        "max": 100 if share else "",
        "data": {
            "labels": [period["label"] for period in objective["trend"]],
            "datasets": [
                # Straight lines: a smoothed curve would show figures that never were (above 100%).
                {"label": objective["short"], "data": [period["value"] for period in objective["trend"]], "tension": 0},
                {"label": "Target", "data": [objective["target"]] * len(objective["trend"]), "borderDash": [6, 4],
                 "pointRadius": 0, "borderColor": "#9aa1bd", "backgroundColor": "rgba(0,0,0,0)"},
            ],
        },
    }  # fmt: skip


@member_required()
@require_GET
def sla(request: HttpRequest) -> HttpResponse:
    member = request.member
    overview = sla_overview(member)
    for objective in overview["objectives"] if overview else []:
        objective["chart"] = _chart(objective)
    # Reps open a lead's brief from their inbox; marketing opens the lead page.
    lead_url = "leads:detail" if member.can(Capability.WORK_MARKETING_LEADS) else "leads:brief"
    context = {
        "overview": overview,
        "page": paginate(request, breaches_visible_to(member), BREACHES_PER_PAGE, count_cap=BREACHES_COUNT_CAP),
        "query": query_without_page(request),
        "lead_url": lead_url,
        "own_breaches_only": member.role == Role.SALES_REP,
        "close_percent": round(CLOSE_TO_TARGET * 100),
        "can_draft": member.can(Capability.SIGN_AGREEMENTS),
        "waiting": None if overview else agreements_visible_to(member).filter(status=A.PROPOSED).first(),
    }
    return page_or_region(request, "sla/sla.html", "breaches", context)


@member_required()
@require_GET
def agreements(request: HttpRequest) -> HttpResponse:
    member = request.member
    versions = list(agreement_history(member))
    context = {
        "versions": versions,
        "active": next((v for v in versions if v.status == A.ACTIVE), None),
        "compare": CompareForm(agreements=versions),
        "can_draft": member.can(Capability.SIGN_AGREEMENTS),
    }
    return TemplateResponse(request, "sla/agreements.html", context)


@signer_page
@require_POST
def agreement_new(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("based_on", "")
    based_on = _agreement_by_param(request, raw) if raw else None
    try:
        agreement = services.create_agreement(by=request.member, based_on=based_on)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect_after_post(request, "sla:agreements")
    start = f"the objectives of version {agreement.based_on.number}" if agreement.based_on else "no objectives yet"
    messages.success(request, f"Version {agreement.number} is a new draft with {start}. Change it, then propose it.")
    return redirect_after_post(request, "sla:agreement_edit", agreement.pk)


def _actions(member, agreement: Agreement) -> dict[str, bool]:
    """Which buttons the member sees; the services check again when one is used."""
    drafter = member.can(Capability.SIGN_AGREEMENTS)
    signer = member.is_active and member.role in MANAGERS
    proposed = agreement.status == A.PROPOSED
    return {
        "edit": drafter and agreement.status in (A.DRAFT, A.PROPOSED),
        "propose": drafter and agreement.status == A.DRAFT,
        "sign": signer and proposed,
        "send_back": signer and proposed,
        "branch": drafter,
    }


@member_required()
@require_GET
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    member = request.member
    version = _agreement(request, pk)
    base = version.based_on
    if base is None and version.status != A.ACTIVE:
        base = active_agreement(org_id=version.org_id)
    signatures = list(version.signatures.all())
    signed_sides = {signature.side for signature in signatures}
    context = {
        "version": version,
        "objectives": list(version.objectives.all()),
        "base": base,
        "changes": changes(objectives_of(base), objectives_of(version)) if base else None,
        "signatures": signatures,
        "waiting_for": [side for side in ("marketing", "sales") if side not in signed_sides],
        "my_signature": next((s for s in signatures if s.member_id == member.pk), None),
        "events": list(version.events.all()),
        "actions": _actions(member, version),
        "at_risk_percent": round(version.at_risk_share * 100),
    }
    return TemplateResponse(request, "sla/agreement.html", context)


@member_required()
@require_GET
def agreement_diff(request: HttpRequest) -> HttpResponse:
    versions = list(agreements_visible_to(request.member))
    context: dict = {"compare": CompareForm(agreements=versions), "changes": None}
    if request.GET.get("from") and request.GET.get("to"):
        old = _agreement_by_param(request, request.GET["from"])
        new = _agreement_by_param(request, request.GET["to"])
        context.update(
            compare=CompareForm(request.GET, agreements=versions),
            old=old,
            new=new,
            changes=changes(objectives_of(old), objectives_of(new)),
            risk_changed=old.at_risk_share != new.at_risk_share,
        )
    return TemplateResponse(request, "sla/agreement_diff.html", context)


def _editor_context(version: Agreement, editor: AgreementEditor) -> dict:
    return {
        "version": version,
        "editor": editor,
        "metric_choices": METRIC_CHOICES,
        "signature_count": len(version.signatures.all()) if version.status == A.PROPOSED else 0,
    }


@signer_page
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = request.member
    version = _agreement(request, pk)
    if version.status not in (A.DRAFT, A.PROPOSED):
        messages.info(request, "An active or retired agreement cannot change; start a new draft from it.")
        return redirect_after_post(request, "sla:agreement", version.pk)
    if request.method == "GET":
        editor = AgreementEditor(agreement=version, objectives=objectives_of(version))
        return TemplateResponse(request, "sla/agreement_edit.html", _editor_context(version, editor))
    editor = AgreementEditor(request.POST, agreement=version)
    action = request.POST.get("action", "save")
    if "remove" in request.POST:
        editor.remove_objective(request.POST["remove"])
        editor.as_typed()
        action = "remove"
    elif action == "add":
        editor.add_objective(request.POST.get("new_metric", ""))
        editor.as_typed()
    elif action == "refresh":
        editor.as_typed(fill_terms=True)
    elif action == "save":
        if editor.is_valid():
            withdrawn = version.status == A.PROPOSED and bool(version.signatures.all())
            try:
                services.update_agreement(by=member, agreement=version, **editor.cleaned())
            except DomainError as error:
                editor.add_domain_error(error)
            else:
                note = " The signatures given so far are withdrawn: both managers sign again." if withdrawn else ""
                messages.success(request, f"Version {version.number} is saved.{note}")
                return redirect_after_post(request, "sla:agreement", version.pk)
        else:
            editor.non_field_errors.append("Some values need a look; see the marked fields.")
    context = _editor_context(version, editor)
    if request.htmx and action in ("add", "remove", "refresh"):
        return page_or_region(request, "sla/agreement_edit.html", "objectives", context)
    return TemplateResponse(request, "sla/agreement_edit.html", context)


def _act(request: HttpRequest, pk: int, act: Callable[[Agreement], str]) -> HttpResponse:
    return act_and_report(request, _agreement(request, pk), act, "sla:agreement")


@signer_page
@require_POST
def agreement_propose(request: HttpRequest, pk: int) -> HttpResponse:
    def propose(version: Agreement) -> str:
        services.propose_agreement(by=request.member, agreement=version, comment=posted_comment(request))
        return f"Version {version.number} is proposed: the marketing manager and the sales manager can sign it now."

    return _act(request, pk, propose)


@signer_page
@require_POST
def agreement_sign(request: HttpRequest, pk: int) -> HttpResponse:
    def sign(version: Agreement) -> str:
        version = services.sign_agreement(by=request.member, agreement=version, comment=posted_comment(request),
                                          request=request)  # fmt: skip
        if version.status == A.ACTIVE:
            return (
                f"Both sides have signed: version {version.number} is the agreement in force. Its figures for the "
                "last twelve periods are computed now and show on the SLA page in a minute."
            )
        return f"You signed version {version.number}. It comes into force when the other side's manager signs."

    return _act(request, pk, sign)


@signer_page
@require_POST
def agreement_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    def send_back(version: Agreement) -> str:
        services.send_back_agreement(by=request.member, agreement=version, comment=posted_comment(request))
        return f"Version {version.number} is back to draft with your comment; it shows in the version's history."

    return _act(request, pk, send_back)
