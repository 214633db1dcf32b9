"""The qualification criteria pages (SPEC section 2) and the qualified queue.

Every member reads the criteria (sales signs what it reads); marketing drafts, edits and proposes;
the two managers sign or send back. The services decide who may do what; the pages only hide the
buttons a member could not use, and show the services' refusals as messages.
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import MANAGERS, Capability
from leads.criteria_forms import (
    ATTRIBUTE_CHOICES,
    CompareForm,
    CriteriaEditor,
    QualifiedQueueFilter,
    ReasonForm,
)
from leads.models import CriteriaVersion, Lead
from leads.scoring import diff
from leads.selectors import (
    PREVIEW_DAYS,
    active_criteria_version,
    asset_choices,
    campaign_choices,
    criteria_history,
    criteria_of,
    criteria_version_detail,
    criteria_version_outcomes,
    criteria_versions_visible_to,
    impact_preview,
    leads_visible_to,
    qualified_queue,
    reevaluation_progress,
    rules_of_versions,
)
from leads.services import criteria as services
from leads.services.qualification import disqualify as disqualify_lead
from leads.services.qualification import qualify_by_hand
from leads.views.leads import page_or_region, query_without_page
from smarketing.errors import DomainError
from smarketing.pages import act_and_report, member_required, paginate, posted_comment, redirect_after_post

V = CriteriaVersion.Status
QUEUE_COUNT_CAP = 10_000
marketing_page = member_required(Capability.WORK_MARKETING_LEADS)
signer_page = member_required(Capability.SIGN_AGREEMENTS)


def _version(request: HttpRequest, pk) -> CriteriaVersion:
    return get_object_or_404(criteria_versions_visible_to(request.member), pk=pk)


def _version_by_param(request: HttpRequest, raw: str) -> CriteriaVersion:
    if not raw.isdigit():
        raise Http404
    return _version(request, int(raw))


def _fragment(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    response = TemplateResponse(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@member_required()
@require_GET
def criteria(request: HttpRequest) -> HttpResponse:
    member = request.member
    versions = list(criteria_history(member))
    outcomes = criteria_version_outcomes(member)
    context = {
        "rows": [(version, outcomes.get(version.pk)) for version in versions],
        "active": next((v for v in versions if v.status == V.ACTIVE), None),
        "compare": CompareForm(versions=versions),
        "can_draft": member.can(Capability.WORK_MARKETING_LEADS),
    }
    return TemplateResponse(request, "leads/criteria.html", context)


@marketing_page
@require_POST
def criteria_new(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("based_on", "")
    based_on = _version_by_param(request, raw) if raw else None
    try:
        version = services.create_criteria_version(by=request.member, based_on=based_on)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect_after_post(request, "leads:criteria")
    start = f"a copy of version {version.based_on.number}" if version.based_on else "no rules yet"
    messages.success(request, f"Version {version.number} is a new draft with {start}. Change it, then propose it.")
    return redirect_after_post(request, "leads:criteria_edit", version.pk)


@member_required()
@require_GET
def criteria_diff(request: HttpRequest) -> HttpResponse:
    versions = list(criteria_versions_visible_to(request.member))
    context: dict = {"compare": CompareForm(versions=versions), "changes": None}
    if request.GET.get("from") and request.GET.get("to"):
        old = _version_by_param(request, request.GET["from"])
        new = _version_by_param(request, request.GET["to"])
        context.update(
            compare=CompareForm(request.GET, versions=versions),
            old=old,
            new=new,
            changes=diff(criteria_of(old), criteria_of(new)),
        )
    return TemplateResponse(request, "leads/criteria_diff.html", context)


def _actions(member, version: CriteriaVersion) -> dict[str, bool]:
    """Which buttons the member sees; the services check again when one is used."""
    marketing = member.can(Capability.WORK_MARKETING_LEADS)
    signer = member.is_active and member.role in MANAGERS
    proposed = version.status == V.PROPOSED
    return {
        "edit": marketing and version.status in (V.DRAFT, V.PROPOSED),
        "propose": marketing and version.status == V.DRAFT,
        "sign": signer and proposed,
        "send_back": signer and proposed,
        "discard": marketing and version.status == V.DRAFT and version.proposed_at is None,
        "branch": marketing,
    }


def _progress(version: CriteriaVersion) -> dict:
    done, total = reevaluation_progress(version) if version.status == V.ACTIVE else (0, 0)
    return {"done": done, "total": total, "running": total > 0 and done < total}


def _impact(request: HttpRequest, version: CriteriaVersion) -> dict:
    impact = impact_preview(request.member, criteria_of(version))
    return {
        "impact": impact,
        "active": active_criteria_version(org_id=version.org_id),
        # The active version next to itself says nothing.
        "show_active": impact.active is not None and version.status != V.ACTIVE,
        "preview_days": PREVIEW_DAYS,
    }


@member_required()
@require_GET
def criteria_version(request: HttpRequest, pk: int) -> HttpResponse:
    member = request.member
    version = criteria_version_detail(member, pk)
    region = request.GET.get("region")
    # The page's slow parts load on their own: the impact preview evaluates up to 20,000 leads twice,
    # and the re-evaluation progress is polled until the jobs are done.
    if request.htmx and region == "progress":
        return _fragment(request, "leads/criteria_version.html#progress", {"version": version, **_progress(version)})
    if request.htmx and region == "impact":
        context = {"version": version, **_impact(request, version)}
        return _fragment(request, "leads/criteria_version.html#impact", context)
    base = version.based_on
    if base is None and version.status != V.ACTIVE:
        base = active_criteria_version(org_id=version.org_id)
    signatures = list(version.signatures.all())
    signed_sides = {signature.side for signature in signatures}
    context = {
        "version": version,
        "rules": list(version.rules.all()),
        "base": base,
        "changes": diff(criteria_of(base), criteria_of(version)) if base else None,
        "signatures": signatures,
        "waiting_for": [side for side in ("marketing", "sales") if side not in signed_sides],
        "my_signature": next((s for s in signatures if s.member_id == member.pk), None),
        "events": list(version.events.all()),
        "actions": _actions(member, version),
        **_progress(version),
    }
    if region == "impact":
        context.update(_impact(request, version))
    response = TemplateResponse(request, "leads/criteria_version.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _stored_rules(version: CriteriaVersion) -> list[dict]:
    return [
        {"attribute": r.attribute, "operator": r.operator, "value": r.value, "required": r.required, "weight": r.weight}
        for r in version.rules.all()
    ]


def _editor_context(request: HttpRequest, version: CriteriaVersion, editor: CriteriaEditor, **extra) -> dict:
    return {
        "version": version,
        "editor": editor,
        "attribute_choices": ATTRIBUTE_CHOICES,
        "signature_count": len(version.signatures.all()) if version.status == V.PROPOSED else 0,
        "preview_days": PREVIEW_DAYS,
        **extra,
    }


@marketing_page
@require_http_methods(["GET", "POST"])
def criteria_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = request.member
    version = criteria_version_detail(member, pk)
    if version.status not in (V.DRAFT, V.PROPOSED):
        messages.info(request, "An active or retired version cannot change; start a new draft from it.")
        return redirect_after_post(request, "leads:criteria_version", version.pk)
    assets = asset_choices(member)
    if request.method == "GET":
        editor = CriteriaEditor(version=version, rules=_stored_rules(version), assets=assets)
        return TemplateResponse(request, "leads/criteria_edit.html", _editor_context(request, version, editor))
    editor = CriteriaEditor(request.POST, version=version, assets=assets)
    action = request.POST.get("action", "save")
    if "remove" in request.POST:
        editor.remove_rule(request.POST["remove"])
        action = "remove"
    elif action == "add":
        editor.add_rule(request.POST.get("new_attribute", ""))
    elif action == "save":
        if editor.is_valid():
            withdrawn = version.status == V.PROPOSED and bool(version.signatures.all())
            try:
                services.update_criteria_version(by=member, version=version, **editor.cleaned())
            except DomainError as error:
                editor.add_domain_error(error)
            else:
                note = " The signatures given so far are withdrawn: both managers sign again." if withdrawn else ""
                messages.success(request, f"Version {version.number} is saved.{note}")
                return redirect_after_post(request, "leads:criteria_version", version.pk)
        else:
            editor.non_field_errors.append("Some values need a look; see the marked fields.")
    if request.htmx and action in ("add", "remove", "refresh"):
        response = _fragment(request, "leads/criteria_edit.html#rules", _editor_context(request, version, editor))
        # The rules changed shape: the live preview beside them follows.
        response["HX-Trigger-After-Swap"] = "criteria-changed"
        return response
    extra = _preview(request, version, editor) if action == "preview" else {}
    return TemplateResponse(request, "leads/criteria_edit.html", _editor_context(request, version, editor, **extra))


def _preview(request: HttpRequest, version: CriteriaVersion, editor: CriteriaEditor) -> dict:
    draft, incomplete = editor.preview_criteria()
    impact = impact_preview(request.member, draft)
    return {
        "impact": impact,
        "active": active_criteria_version(org_id=version.org_id),
        "show_active": impact.active is not None,
        "incomplete": incomplete,
    }


@marketing_page
@require_POST
def criteria_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The editor's unsaved form, judged against the last 90 days of leads; nothing is written."""
    version = _version(request, pk)
    editor = CriteriaEditor(request.POST, version=version, assets=asset_choices(request.member))
    context = _editor_context(request, version, editor, **_preview(request, version, editor))
    return page_or_region(request, "leads/criteria_edit.html", "preview", context)


def _act(request: HttpRequest, pk: int, act: Callable[[CriteriaVersion], str]) -> HttpResponse:
    return act_and_report(request, _version(request, pk), act, "leads:criteria_version")


@marketing_page
@require_POST
def criteria_propose(request: HttpRequest, pk: int) -> HttpResponse:
    def propose(version: CriteriaVersion) -> str:
        services.propose_criteria_version(by=request.member, version=version, comment=posted_comment(request))
        return f"Version {version.number} is proposed: the marketing manager and the sales manager can sign it now."

    return _act(request, pk, propose)


@signer_page
@require_POST
def criteria_sign(request: HttpRequest, pk: int) -> HttpResponse:
    def sign(version: CriteriaVersion) -> str:
        version = services.sign_criteria_version(
            by=request.member, version=version, comment=posted_comment(request), request=request
        )
        if version.status == V.ACTIVE:
            return f"Both sides have signed: version {version.number} is active. Open leads are re-evaluated now."
        return f"You signed version {version.number}. It becomes active when the other side's manager signs."

    return _act(request, pk, sign)


@signer_page
@require_POST
def criteria_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    def send_back(version: CriteriaVersion) -> str:
        services.send_back_criteria_version(by=request.member, version=version, comment=posted_comment(request))
        return f"Version {version.number} is back to draft with your comment; marketing will see it in its history."

    return _act(request, pk, send_back)


@marketing_page
@require_POST
def criteria_discard(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    number = version.number
    try:
        services.discard_criteria_draft(by=request.member, version=version)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect_after_post(request, "leads:criteria_version", version.pk)
    messages.success(request, f"Draft version {number} is discarded.")
    return redirect_after_post(request, "leads:criteria")


@marketing_page
@require_GET
def qualified(request: HttpRequest) -> HttpResponse:
    member = request.member
    filters = QualifiedQueueFilter(request.GET, queryset=qualified_queue(member), campaigns=campaign_choices(member))
    page = paginate(request, filters.qs, count_cap=QUEUE_COUNT_CAP)
    context = {
        "filters": filters,
        "page": page,
        "rules": rules_of_versions(page.object_list),
        "query": query_without_page(request),
    }
    return page_or_region(request, "leads/qualified.html", "table", context)


def _change_lead(request: HttpRequest, pk: int, change: Callable, done: str) -> HttpResponse:
    lead: Lead = get_object_or_404(leads_visible_to(request.member), pk=pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    seen = form.cleaned_data.get("seen_status")
    if seen:
        # The status the person saw on the page: if the lead moved on since, the service says so
        # (its conditional update finds nothing to change) instead of acting on a different lead.
        lead.status = seen
    try:
        change(lead=lead, by=request.member, reason=form.cleaned_data.get("reason", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect_after_post(request, "leads:detail", pk)


@marketing_page
@require_POST
def qualify(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_lead(request, pk, qualify_by_hand, "Qualified by hand: the lead is in the qualified queue now.")


@marketing_page
@require_POST
def disqualify(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_lead(request, pk, disqualify_lead, "The lead is disqualified.")
