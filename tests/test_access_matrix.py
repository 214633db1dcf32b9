"""Every route, for every persona, against an object of the own organization and of another one.

Add each new route to ROUTES: a route missing here makes test_every_route_is_in_the_matrix fail.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from accounts.models import Holiday, Notification, Organization
from accounts.roles import Role
from feedback.models import LossReason, ObjectionReason
from leads.models import Campaign, Company, ContentAsset, CriteriaVersion, Lead, LeadImport, RoutingRule
from sla.models import Agreement
from tests.conftest import signed_in
from tests.factories import MembershipFactory, UserFactory, make_token

ANYONE = "anyone"
ADMIN_ONLY = frozenset({Role.ADMIN})
MARKETING = frozenset({Role.MARKETER, Role.MARKETING_MANAGER, Role.ADMIN})
SALES = frozenset({Role.SALES_REP, Role.SALES_MANAGER, Role.ADMIN})
# Roles that reach the signing pages; of them only the two managers may sign (the service says so to an admin).
SIGNERS = frozenset({Role.MARKETING_MANAGER, Role.SALES_MANAGER, Role.ADMIN})
# Routing rules, reps' availability, the objection and loss-reason lists.
MANAGERS = frozenset({Role.MARKETING_MANAGER, Role.SALES_MANAGER, Role.ADMIN})
# A rep works the leads handed to them: another member's lead does not exist for a rep.
SALES_SEE_OTHERS = SALES - {Role.SALES_REP}
# The dashboard figures that judge sales people (rep table, hand-off timings): all but marketers.
SALES_FIGURES = frozenset({Role.MARKETING_MANAGER, Role.SALES_REP, Role.SALES_MANAGER, Role.ADMIN})


@dataclass(frozen=True)
class Route:
    # Roles that may use the route; None: every member; ANYONE: also signed-out visitors.
    who: frozenset[str] | str | None = None
    # URL arguments naming an object of the given organization, for routes about one object.
    obj: Callable[[Organization], dict] | None = None
    api: bool = False
    data: dict | None = None
    # For objects that belong to one member (API tokens): roles outside this set see only their
    # own, so another member's object answers 404 to them as if it did not exist.
    sees_others: frozenset[str] | None = None
    # URL arguments that name no object of an organization (which figure a CSV file holds).
    kwargs: dict | None = None


def a_member(org: Organization) -> dict:
    return {"pk": MembershipFactory(org=org, role=Role.SALES_REP).pk}


def a_holiday(org: Organization) -> dict:
    return {"pk": Holiday.objects.create(org=org, date="2030-01-02", name="Day off").pk}


def a_token(org: Organization) -> dict:
    member = MembershipFactory(org=org, role=Role.MARKETER)
    make_token(member)
    return {"pk": member.api_tokens.get().pk}


def an_invited_member(org: Organization) -> dict:
    user = UserFactory(password=None)
    MembershipFactory(org=org, user=user)
    return {"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}


def a_lead(org: Organization) -> dict:
    return {"pk": Lead.objects.create(org=org, email=f"lead{Lead.objects.count()}@example.test").pk}


def a_campaign(org: Organization) -> dict:
    return {"pk": Campaign.objects.create(org=org, name="Spring launch").pk}


def an_asset(org: Organization) -> dict:
    return {"pk": ContentAsset.objects.create(org=org, title="Churn whitepaper").pk}


def a_company(org: Organization) -> dict:
    return {"pk": Company.objects.create(org=org, name="Initech", domain=f"initech-{org.slug}.test").pk}


def an_import(org: Organization) -> dict:
    """An uploaded CSV file of one lead, its column confirmed, not yet started."""
    data = b"Email\na@example.test\n"
    lead_import = LeadImport.objects.create(
        org=org, file_name="leads.csv", file_size=len(data), data=data, encoding="utf-8", delimiter=",",
        headers=["Email"], sample=[[2, ["a@example.test"]]], mapping=["email"], total_rows=1,
    )  # fmt: skip
    return {"pk": lead_import.pk}


def a_criteria_version(org: Organization) -> dict:
    author = MembershipFactory(org=org, role=Role.MARKETER)
    number = CriteriaVersion.objects.filter(org=org).count() + 1
    return {"pk": CriteriaVersion.objects.create(org=org, number=number, name="Draft", created_by=author).pk}


def a_routing_rule(org: Organization) -> dict:
    return {"pk": RoutingRule.objects.create(org=org, name="DACH", countries=["DE"]).pk}


def an_objection_reason(org: Organization) -> dict:
    return {"pk": ObjectionReason.objects.create(org=org, name=f"Price {ObjectionReason.objects.count()}").pk}


def an_agreement(org: Organization) -> dict:
    """A draft of the Sales-Marketing Agreement, without objectives yet."""
    author = MembershipFactory(org=org, role=Role.SALES_MANAGER)
    number = Agreement.objects.filter(org=org).count() + 1
    return {"pk": Agreement.objects.create(org=org, number=number, name="Draft", created_by=author).pk}


def a_loss_reason(org: Organization) -> dict:
    return {"pk": LossReason.objects.create(org=org, name=f"Budget {LossReason.objects.count()}").pk}


def a_notification(org: Organization) -> dict:
    """A notice to some member of the organization: nobody else's to open."""
    recipient = MembershipFactory(org=org, role=Role.SALES_REP)
    return {"pk": Notification.objects.create(org=org, recipient=recipient, kind="lead_assigned", title="New").pk}


def a_reset_link(org: Organization) -> dict:
    user = MembershipFactory(org=org).user
    return {"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}


ROUTES: dict[tuple[str, str], Route] = {
    ("home", "GET"): Route(),
    ("healthz", "GET"): Route(who=ANYONE),
    ("accounts:login", "GET"): Route(who=ANYONE),
    ("accounts:logout", "POST"): Route(who=ANYONE),
    ("accounts:signup", "GET"): Route(who=ANYONE),
    ("accounts:password_reset", "GET"): Route(who=ANYONE),
    ("accounts:password_reset_confirm", "GET"): Route(who=ANYONE, obj=a_reset_link),
    ("accounts:invitation", "GET"): Route(who=ANYONE, obj=an_invited_member),
    ("accounts:account", "GET"): Route(),
    ("accounts:switch_org", "POST"): Route(data={"org": "0"}),
    ("accounts:settings", "GET"): Route(who=ADMIN_ONLY),
    ("accounts:holiday_add", "POST"): Route(who=ADMIN_ONLY, data={"date": "2031-01-01", "name": "New"}),
    ("accounts:holiday_delete", "POST"): Route(who=ADMIN_ONLY, obj=a_holiday),
    ("accounts:members", "GET"): Route(who=ADMIN_ONLY),
    ("accounts:integration_add", "POST"): Route(who=ADMIN_ONLY, data={"name": "Forms", "role": "marketer"}),
    ("accounts:member_role", "POST"): Route(who=ADMIN_ONLY, obj=a_member, data={"role": "sales_manager"}),
    ("accounts:member_deactivate", "POST"): Route(who=ADMIN_ONLY, obj=a_member),
    ("accounts:member_reactivate", "POST"): Route(who=ADMIN_ONLY, obj=a_member),
    ("accounts:member_resend_invitation", "POST"): Route(who=ADMIN_ONLY, obj=a_member),
    ("accounts:tokens", "GET"): Route(),
    ("accounts:token_revoke", "POST"): Route(obj=a_token, sees_others=ADMIN_ONLY),
    ("accounts:audit_log", "GET"): Route(who=ADMIN_ONLY),
    ("leads:list", "GET"): Route(who=MARKETING),
    ("leads:export", "GET"): Route(who=MARKETING),
    ("leads:import_start", "GET"): Route(who=MARKETING),
    ("leads:import_start", "POST"): Route(who=MARKETING, data={}),
    ("leads:import_mapping", "GET"): Route(who=MARKETING, obj=an_import),
    ("leads:import_mapping", "POST"): Route(who=MARKETING, obj=an_import, data={"col_0": "email"}),
    ("leads:import_preview", "GET"): Route(who=MARKETING, obj=an_import),
    ("leads:import_run", "POST"): Route(who=MARKETING, obj=an_import),
    ("leads:import_detail", "GET"): Route(who=MARKETING, obj=an_import),
    ("leads:import_rejections", "GET"): Route(who=MARKETING, obj=an_import),
    ("leads:detail", "GET"): Route(who=MARKETING, obj=a_lead),
    ("leads:qualify", "POST"): Route(who=MARKETING, obj=a_lead, data={"reason": "Met at a fair"}),
    ("leads:disqualify", "POST"): Route(who=MARKETING, obj=a_lead, data={"reason": "No fit"}),
    ("leads:qualified", "GET"): Route(who=MARKETING),
    ("leads:hand_off", "GET"): Route(who=MARKETING, obj=a_lead),
    ("leads:hand_off", "POST"): Route(who=MARKETING, obj=a_lead, data={"note": "Call soon"}),
    ("leads:renurture", "POST"): Route(who=MARKETING, obj=a_lead),
    ("leads:returned", "GET"): Route(who=MARKETING),
    ("leads:inbox", "GET"): Route(who=SALES),
    ("leads:brief", "GET"): Route(who=SALES, obj=a_lead, sees_others=SALES_SEE_OTHERS),
    ("leads:accept", "POST"): Route(who=SALES, obj=a_lead, sees_others=SALES_SEE_OTHERS),
    ("leads:reject", "POST"): Route(
        who=SALES, obj=a_lead, sees_others=SALES_SEE_OTHERS, data={"reject-reason": "not_a_fit"}
    ),
    ("leads:routing_rules", "GET"): Route(who=MANAGERS),
    ("leads:routing_rule_new", "GET"): Route(who=MANAGERS),
    ("leads:routing_rule_new", "POST"): Route(who=MANAGERS, data={"name": "Nordics", "position": "5"}),
    ("leads:routing_rule", "GET"): Route(who=MANAGERS, obj=a_routing_rule),
    ("leads:routing_rule", "POST"): Route(who=MANAGERS, obj=a_routing_rule, data={"name": "DACH", "position": "1"}),
    ("leads:routing_rule_delete", "POST"): Route(who=MANAGERS, obj=a_routing_rule),
    ("leads:rep_availability", "POST"): Route(who=MANAGERS, obj=a_member, data={"max_open_leads": "5"}),
    ("feedback:follow_up", "POST"): Route(who=SALES, obj=a_lead, sees_others=SALES_SEE_OTHERS),
    ("feedback:quality", "POST"): Route(who=SALES, obj=a_lead, sees_others=SALES_SEE_OTHERS),
    ("feedback:close", "POST"): Route(who=SALES, obj=a_lead, sees_others=SALES_SEE_OTHERS, data={"outcome": "lost"}),
    ("feedback:lists", "GET"): Route(who=MANAGERS),
    ("feedback:objection_add", "POST"): Route(who=MANAGERS, data={"objection-name": "Too big"}),
    ("feedback:objection_take_off", "POST"): Route(who=MANAGERS, obj=an_objection_reason),
    ("feedback:loss_reason_add", "POST"): Route(who=MANAGERS, data={"loss_reason-name": "Budget cut"}),
    ("feedback:loss_reason_take_off", "POST"): Route(who=MANAGERS, obj=a_loss_reason),
    # The meeting packs: every member; a rep's figures are those of the leads handed to them.
    ("feedback:voice_of_sales", "GET"): Route(),
    ("feedback:check_in", "GET"): Route(),
    ("feedback:check_in_notes", "POST"): Route(
        who=MARKETING | MANAGERS, data={"month": "2026-05", "text": "Pause ads"}
    ),
    ("feedback:win_loss", "GET"): Route(),
    # The dashboard: every member, each seeing the figures their role allows (tests/feedback/test_dashboard_access.py).
    ("feedback:dashboard", "GET"): Route(),
    ("feedback:calibration", "GET"): Route(),
    ("feedback:dashboard_csv", "GET"): Route(kwargs={"name": "funnel"}),
    ("feedback:dashboard_refresh", "POST"): Route(who=MANAGERS),
    ("accounts:notifications", "GET"): Route(),
    ("accounts:notification_bell", "GET"): Route(),
    ("accounts:notifications_read", "POST"): Route(data={"all": "1"}),
    # A notice is its recipient's alone: anyone else's answers 404, as if it did not exist.
    ("accounts:notification_open", "GET"): Route(obj=a_notification, sees_others=frozenset()),
    ("leads:criteria", "GET"): Route(),
    ("leads:criteria_new", "POST"): Route(who=MARKETING),
    ("leads:criteria_diff", "GET"): Route(),
    ("leads:criteria_version", "GET"): Route(obj=a_criteria_version),
    ("leads:criteria_edit", "GET"): Route(who=MARKETING, obj=a_criteria_version),
    ("leads:criteria_edit", "POST"): Route(
        who=MARKETING, obj=a_criteria_version, data={"name": "New", "min_fit_score": "50", "min_engagement_score": "5"}
    ),
    ("leads:criteria_preview", "POST"): Route(who=MARKETING, obj=a_criteria_version),
    ("leads:criteria_propose", "POST"): Route(who=MARKETING, obj=a_criteria_version),
    ("leads:criteria_sign", "POST"): Route(who=SIGNERS, obj=a_criteria_version),
    ("leads:criteria_send_back", "POST"): Route(who=SIGNERS, obj=a_criteria_version, data={"comment": "Why?"}),
    ("leads:criteria_discard", "POST"): Route(who=MARKETING, obj=a_criteria_version),
    # The SLA: every member reads the agreement and its figures; the managers (and admins) draft it.
    ("sla:sla", "GET"): Route(),
    ("sla:agreements", "GET"): Route(),
    ("sla:agreement_new", "POST"): Route(who=SIGNERS),
    ("sla:agreement_diff", "GET"): Route(),
    ("sla:agreement", "GET"): Route(obj=an_agreement),
    ("sla:agreement_edit", "GET"): Route(who=SIGNERS, obj=an_agreement),
    ("sla:agreement_edit", "POST"): Route(who=SIGNERS, obj=an_agreement, data={"name": "New", "at_risk_percent": "75"}),
    ("sla:agreement_propose", "POST"): Route(who=SIGNERS, obj=an_agreement),
    ("sla:agreement_sign", "POST"): Route(who=SIGNERS, obj=an_agreement),
    ("sla:agreement_send_back", "POST"): Route(who=SIGNERS, obj=an_agreement, data={"comment": "Why?"}),
    ("leads:companies", "GET"): Route(who=MARKETING),
    ("leads:company", "GET"): Route(who=MARKETING, obj=a_company),
    ("leads:campaigns", "GET"): Route(who=MARKETING),
    ("leads:campaigns", "POST"): Route(who=MARKETING, data={"name": "Autumn"}),
    ("leads:campaign", "GET"): Route(who=MARKETING, obj=a_campaign),
    ("leads:campaign", "POST"): Route(who=MARKETING, obj=a_campaign, data={"action": "save", "name": "Renamed"}),
    ("leads:assets", "GET"): Route(who=MARKETING),
    ("leads:assets", "POST"): Route(who=MARKETING, data={"title": "Guide", "kind": "ebook"}),
    ("leads:asset", "GET"): Route(who=MARKETING, obj=an_asset),
    ("leads:asset", "POST"): Route(who=MARKETING, obj=an_asset, data={"action": "delete"}),
    ("api:me", "GET"): Route(api=True),
    ("api:members", "GET"): Route(api=True),
    ("api:leads", "GET"): Route(api=True),
    ("api:leads", "POST"): Route(api=True, who=MARKETING, data={"email": "new@example.test"}),
    ("api:leads-bulk", "POST"): Route(api=True, who=MARKETING, data={"items": [{"email": "new@example.test"}]}),
    # A sales rep sees only the leads they own, so another member's lead does not exist for them.
    ("api:lead", "GET"): Route(api=True, obj=a_lead, sees_others=MARKETING | {Role.SALES_MANAGER}),
    ("api:events", "POST"): Route(api=True, who=MARKETING, data={"items": []}),
    ("api:campaigns", "GET"): Route(api=True),
    ("api:campaigns", "POST"): Route(api=True, who=MARKETING, data={"name": "Autumn"}),
    ("api:campaign", "GET"): Route(api=True, obj=a_campaign),
    ("api:campaign", "PATCH"): Route(api=True, who=MARKETING, obj=a_campaign, data={"name": "Renamed"}),
    ("api:campaign", "DELETE"): Route(api=True, who=MARKETING, obj=a_campaign),
    ("api:content-assets", "GET"): Route(api=True),
    ("api:content-assets", "POST"): Route(api=True, who=MARKETING, data={"title": "Guide"}),
    ("api:content-asset", "GET"): Route(api=True, obj=an_asset),
    ("api:content-asset", "PATCH"): Route(api=True, who=MARKETING, obj=an_asset, data={"title": "Renamed"}),
    ("api:content-asset", "DELETE"): Route(api=True, who=MARKETING, obj=an_asset),
    ("api:criteria-versions", "GET"): Route(api=True),
    ("api:criteria-version", "GET"): Route(api=True, obj=a_criteria_version),
    ("api:lead-evaluation", "GET"): Route(api=True, obj=a_lead, sees_others=MARKETING | {Role.SALES_MANAGER}),
    ("api:lead-handoff", "POST"): Route(api=True, who=MARKETING, obj=a_lead),
    ("api:metrics-sla", "GET"): Route(api=True),
    ("api:metrics-funnel", "GET"): Route(api=True),
    ("api:metrics-mql", "GET"): Route(api=True),
    ("api:metrics-acceptance", "GET"): Route(api=True),
    ("api:metrics-close-rates", "GET"): Route(api=True),
    ("api:metrics-calibration", "GET"): Route(api=True),
    ("api:metrics-handoff-timings", "GET"): Route(api=True, who=SALES_FIGURES),
    ("api:metrics-reps", "GET"): Route(api=True, who=SALES_FIGURES),
    # The meeting packs, as on their pages: every member; a rep's figures are those of the leads handed to them.
    ("api:report-voice-of-sales", "GET"): Route(api=True),
    ("api:report-check-in", "GET"): Route(api=True),
    ("api:report-win-loss", "GET"): Route(api=True),
    # Sales acts on the leads it sees: a rep on those handed to them, so another's lead is a 404.
    ("api:lead-accept", "POST"): Route(api=True, who=SALES, obj=a_lead, sees_others=SALES - {Role.SALES_REP}),
    ("api:lead-reject", "POST"): Route(
        api=True, who=SALES, obj=a_lead, sees_others=SALES - {Role.SALES_REP}, data={"reason": "not_a_fit"}
    ),
    ("api:lead-follow-ups", "POST"): Route(api=True, who=SALES, obj=a_lead, sees_others=SALES - {Role.SALES_REP}),
    ("api:lead-close", "POST"): Route(
        api=True, who=SALES, obj=a_lead, sees_others=SALES - {Role.SALES_REP}, data={"outcome": "lost"}
    ),
    ("api-schema", "GET"): Route(who=ANYONE, api=True),
    ("api-docs", "GET"): Route(who=ANYONE, api=True),
}

# Each role signed in through the browser, plus an integration acting through an API token.
PERSONAS = {
    "anonymous": None,
    "marketer": Role.MARKETER,
    "marketing_manager": Role.MARKETING_MANAGER,
    "sales_rep": Role.SALES_REP,
    "sales_manager": Role.SALES_MANAGER,
    "admin": Role.ADMIN,
    "token": Role.MARKETER,
}


def walk(patterns, namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else None, pattern.callback


def api_methods(callback) -> set[str]:
    view = getattr(callback, "cls", None)
    if view is None:
        return set()
    return {method.upper() for method in ("get", "post", "put", "patch", "delete") if hasattr(view, method)}


def test_every_route_is_in_the_matrix():
    routes = list(walk(get_resolver().url_patterns))
    assert all(name for name, _ in routes), "every URL pattern needs a name"
    names = {name for name, _ in routes}
    listed = {name for name, _ in ROUTES}
    assert names - listed == set(), "add these routes to ROUTES"
    assert listed - names == set(), "these ROUTES entries match no route"
    for name, callback in routes:
        for method in api_methods(callback):
            assert (name, method) in ROUTES, f"add ({name!r}, {method!r}) to ROUTES"


def expected(route: Route, persona: str, own: bool) -> str:
    if route.who == ANYONE:
        return "ok"
    if persona == "anonymous" or (persona == "token" and not route.api):
        return "sign_in"
    if route.who is not None and PERSONAS[persona] not in route.who:
        return "forbidden"
    if route.sees_others is not None and PERSONAS[persona] not in route.sees_others:
        return "not_found"
    return "ok" if own else "not_found"


def client_as(persona: str, org: Organization) -> Client | APIClient:
    if persona == "anonymous":
        return APIClient()
    member = MembershipFactory(org=org, role=PERSONAS[persona], user__is_integration=persona == "token")
    if persona == "token":
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(member)}")
        return client
    # Pages and session API calls alike go through the signed-in browser session.
    return signed_in(member)


CASES = [
    pytest.param(key, persona, own, id=f"{key[0]}-{key[1]}-{persona}-{'own' if own else 'other'}")
    for key, route in ROUTES.items()
    for persona in PERSONAS
    for own in ((True, False) if route.obj and route.who != ANYONE else (True,))
]


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "persona", "own"), CASES)
def test_route_answers_each_persona_as_its_role_allows(key, persona, own):
    name, method = key
    route = ROUTES[key]
    acme = Organization.objects.create(name="Acme", slug="acme")
    globex = Organization.objects.create(name="Globex", slug="globex")
    MembershipFactory(org=acme, role=Role.ADMIN)  # an organization always keeps an admin
    client = client_as(persona, acme)
    kwargs = route.obj(acme if own else globex) if route.obj else (route.kwargs or {})
    url = reverse(name, kwargs=kwargs)
    if method == "GET":
        response = client.get(url)
    elif route.api:
        response = client.generic(method, url, json.dumps(route.data or {}), content_type="application/json")
    else:
        response = client.post(url, route.data or {})

    outcome = expected(route, persona, own)
    status = response.status_code
    if outcome == "ok":
        assert status < 500 and status not in {401, 403, 404, 405}, status
        # Signing out ends at the sign-in page; no other route may send a permitted user there.
        assert route.who == ANYONE or not _sent_to_sign_in(response)
    elif outcome == "sign_in":
        assert status == 401 if route.api else _sent_to_sign_in(response), status
    elif outcome == "forbidden":
        assert status == 403, status
    else:
        assert status == 404, status
    if persona != "anonymous" and status == 404 and route.api:
        assert response.json()["code"] == "not_found"


def _sent_to_sign_in(response) -> bool:
    login = reverse("accounts:login")
    return response.status_code == 302 and response.url.startswith(login)
