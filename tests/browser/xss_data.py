"""The stored-XSS test's data set: hostile text entered the ways users and clients enter it.

Forms are posted through Django's test client (the views, forms and services of a real request),
the API is called with a token, a CSV file is uploaded, mapped and imported. Background work the
requests queue (evaluations, re-evaluations, e-mails, dashboard and SLA figures) is run by calling
its tasks, as a worker would.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Notification, Organization
from accounts.roles import Role
from accounts.tasks import send_notification_email_task
from feedback.models import LossReason, ObjectionReason
from feedback.tasks import refresh_dashboards_task
from leads.models import Campaign, ContentAsset, CriteriaVersion, Lead, LeadImport, ReevaluationChunk
from leads.services.qualification import evaluate_pending
from leads.tasks import reevaluate_chunks_task, run_lead_import_task
from sla.models import Agreement
from sla.tasks import compute_compliance_task, sweep_clocks_task
from tests.browser.xss_payloads import Payload, Rotation, email_payloads, url_payloads
from tests.conftest import api_client, signed_in

# Text limits of the fields, from the forms and the API (a longer value would only be refused).
LEAD_TEXT = {
    "external_id": 100, "source": 80, "first_name": 100, "last_name": 100, "phone": 40, "job_title": 150,
    "company_name": 200, "industry": 100, "region": 100, "current_supplier": 200, "notes": 5000,
    "campaign_external_id": 100,
}  # fmt: skip
LEAD_COUNT = 60


class EntryRefused(AssertionError):
    pass


@dataclass
class HostileData:
    """What was entered, and the objects the crawl opens."""

    org: Organization
    people: dict[str, Membership]
    rotation: Rotation
    fields: set[str] = field(default_factory=set)
    entries: int = 0
    refused: list[str] = field(default_factory=list)
    other_admin: Membership | None = None
    invited: list[Membership] = field(default_factory=list)
    leads: list[int] = field(default_factory=list)
    flow_leads: list[int] = field(default_factory=list)
    imports: list[int] = field(default_factory=list)
    criteria: list[int] = field(default_factory=list)
    agreements: list[int] = field(default_factory=list)
    routing_rules: list[int] = field(default_factory=list)
    reset_link: dict = field(default_factory=dict)
    invitation_link: dict = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)

    def text(self, name: str, limit: int = 100_000) -> str:
        self.fields.add(name)
        return self.rotation.next(name, limit)

    def client(self, role: str) -> Client:
        if role not in self.clients:
            self.clients[role] = signed_in(self.people[role])
        return self.clients[role]

    def post(self, role: str, name: str, data: dict, *, args=(), ok=(302,), files=None, **extra):
        """Post a form; anything but the expected answer stops the test with what the page said."""
        url = reverse(name, args=args)
        response = self.client(role).post(url, {**data, **(files or {})}, **extra)
        if response.status_code not in ok:
            raise EntryRefused(f"{role} POST {url}: {response.status_code}\n{_errors(response)}")
        self.entries += 1
        return response

    def api(self, role: str, method: str, name: str, body, *, args=(), ok=(200, 201)):
        response = getattr(self.api_clients(role), method)(reverse(name, args=args), body, format="json")
        if response.status_code not in ok:
            raise EntryRefused(f"{role} {method} {name}: {response.status_code} {response.content[:2000]!r}")
        self.entries += 1
        return response.json()

    def api_clients(self, role: str):
        key = f"api-{role}"
        if key not in self.clients:
            self.clients[key] = api_client(self.people[role])
        return self.clients[key]


def _errors(response) -> str:
    """The error messages of a refused form, to say why an entry did not land."""
    import re

    text = response.content.decode(errors="replace")
    found = re.findall(r'class="[^"]*(?:invalid-feedback|errorlist|alert-danger)[^"]*"[^>]*>(.*?)</', text, re.S)
    return "\n".join(found)[:3000] or text[:1500]


def build(org: Organization, payloads: list[Payload]) -> HostileData:
    people = {m.role: m for m in Membership.objects.filter(org=org).select_related("user")}
    people["sales_rep2"] = Membership.objects.get(org=org, user__email="rep2@demo.test")
    people["sales_rep"] = Membership.objects.get(org=org, user__email="rep1@demo.test")
    data = HostileData(org=org, people=people, rotation=Rotation(payloads))
    everything = [
        organization_and_people, lists_of_sales, campaigns_and_content, agreement, criteria,
        leads_through_the_api, events_through_the_api, leads_through_csv, routing_rules, hand_offs,
        check_in_notes, background_work, a_second_organization,
    ]  # fmt: skip
    for step in everything:
        step(data)
    return data


def organization_and_people(data: HostileData) -> None:
    admin = "admin"
    data.post(admin, "accounts:settings", {
        "name": data.text("organization name", 120), "time_zone": "Europe/Berlin", "business_days": [0, 1, 2, 3, 4],
        "business_day_start": "08:00", "business_day_end": "18:00", "holiday_country": "DE",
    })  # fmt: skip
    for n in range(6):
        day = date(timezone.now().year + 1, 1, 10) + timedelta(days=n)
        data.post(admin, "accounts:holiday_add", {"date": day.isoformat(), "name": data.text("holiday name", 120)})
    for n, role in enumerate([Role.SALES_REP, Role.SALES_REP, Role.MARKETER, Role.SALES_MANAGER]):
        emails = email_payloads(900 + 10 * n)
        data.post(admin, "accounts:members", {
            "full_name": data.text("invited member's name", 150), "email": emails[n % len(emails)].text,
            "role": role, "side": "",
        })  # fmt: skip
    data.invited = list(Membership.objects.filter(org=data.org, user__password__startswith="!"))
    for _ in range(2):
        data.post(admin, "accounts:integration_add", {"name": data.text("integration name", 150), "role": "marketer"})
    integrations = list(Membership.objects.filter(org=data.org, user__is_integration=True))
    for n in range(6):
        member = integrations[n % 2] if n % 3 else data.people[admin]
        data.post(admin, "accounts:tokens", {"name": data.text("API token name", 80), "member": member.pk}, ok=(200,))
    for role in ("marketer", "sales_rep", "sales_manager"):
        data.post(role, "accounts:tokens", {"name": data.text("API token name", 80), "member": data.people[role].pk},
                  ok=(200,))  # fmt: skip
    # Everyone's own name, as they type it on their account page.
    for role in ("marketer", "marketing_manager", "sales_rep", "sales_rep2", "sales_manager", "admin"):
        data.post(role, "accounts:account", {"action": "profile", "full_name": data.text("member's own name", 150)})
    uid = data.invited[0].user
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    data.invitation_link = {
        "uidb64": urlsafe_base64_encode(force_bytes(uid.pk)),
        "token": default_token_generator.make_token(uid),
    }
    rep = data.people["sales_rep"].user
    data.reset_link = {
        "uidb64": urlsafe_base64_encode(force_bytes(rep.pk)),
        "token": default_token_generator.make_token(rep),
    }
    # A password reset mail carries the member's (hostile) name.
    Client().post(reverse("accounts:password_reset"), {"email": "marketer@demo.test"})


def lists_of_sales(data: HostileData) -> None:
    for _ in range(5):
        data.post("sales_manager", "feedback:objection_add", {"objection-name": data.text("objection reason", 80)})
        data.post("sales_manager", "feedback:loss_reason_add", {"loss_reason-name": data.text("loss reason", 80)})
    # Taken off the list, still shown with what was logged with it.
    data.post("sales_manager", "feedback:objection_take_off", {},
              args=[ObjectionReason.objects.filter(org=data.org).order_by("pk").first().pk])  # fmt: skip
    data.post("sales_manager", "feedback:loss_reason_take_off", {},
              args=[LossReason.objects.filter(org=data.org).order_by("pk").first().pk])  # fmt: skip


def campaigns_and_content(data: HostileData) -> None:
    for n in range(8):
        data.post("marketer", "leads:campaigns", {
            "name": data.text("campaign name", 200), "channel": data.text("campaign channel", 80),
            "starts_on": "2026-01-01", "ends_on": "", "description": data.text("campaign description"),
            "external_id": data.text("campaign external id", 100), "is_active": "on" if n % 2 else "",
        })  # fmt: skip
    first = Campaign.objects.filter(org=data.org).order_by("pk").first()
    data.post("marketer", "leads:campaign", {
        "action": "save", "name": data.text("campaign name", 200), "channel": data.text("campaign channel", 80),
        "description": data.text("campaign description"), "external_id": first.external_id, "is_active": "on",
    }, args=[first.pk])  # fmt: skip
    for _ in range(4):
        data.api("marketer", "post", "api:campaigns", {
            "name": data.text("campaign name", 200), "channel": data.text("campaign channel", 80),
            "description": data.text("campaign description"), "external_id": data.text("campaign external id", 100),
        })  # fmt: skip
    campaign_ids = list(Campaign.objects.filter(org=data.org).values_list("pk", flat=True))
    urls = url_payloads(950)
    for n in range(8):
        topics = ", ".join(data.text("content topic", 80) for _ in range(3))
        data.post("marketer", "leads:assets", {
            "title": data.text("content title", 200), "kind": "whitepaper", "url": urls[n % len(urls)].text,
            "topics": topics, "campaign": campaign_ids[n % len(campaign_ids)],
            "external_id": data.text("content external id", 100),
        })  # fmt: skip
    data.fields.add("content URL")
    # A link users click must not run script: the form and the API refuse other schemes.
    for url in ("javascript:alert('xss999')", "data:text/html,<script>alert('xss999')</script>"):
        response = data.post("marketer", "leads:assets", {"title": "Refused", "kind": "other", "url": url}, ok=(200,))
        assert "Enter a valid URL" in response.content.decode(), url
        refused = data.api_clients("marketer").post(reverse("api:content-assets"), {"title": "x", "url": url},
                                                     format="json")  # fmt: skip
        assert refused.status_code == 400, url
        data.refused.append(url)
    for n in range(4):
        data.api("marketer", "post", "api:content-assets", {
            "title": data.text("content title", 200), "kind": "ebook", "url": urls[(n + 1) % len(urls)].text,
            "topics": [data.text("content topic", 80) for _ in range(3)], "campaign": campaign_ids[n],
            "external_id": data.text("content external id", 100),
        })  # fmt: skip
    asset = ContentAsset.objects.filter(org=data.org).order_by("pk").first()
    data.api("marketer", "patch", "api:content-asset", {"title": data.text("content title", 200)}, args=[asset.pk])


def _objective(key: int, metric: str, statement: str, **terms) -> dict:
    values = {f"objective-{key}-metric": metric, f"objective-{key}-target": "90", f"objective-{key}-period": "month",
              f"objective-{key}-statement": statement}  # fmt: skip
    values.update({f"objective-{key}-{name}": value for name, value in terms.items()})
    return values


def _agreement_form(data: HostileData) -> dict:
    return {
        "name": data.text("agreement name", 120),
        "summary": data.text("agreement summary"),
        "at_risk_percent": "75",
        "objective": ["0", "1", "2"],
        "action": "save",
        **_objective(0, "response_time", data.text("objective statement", 2000), hours="4"),
        **_objective(1, "follow_ups", data.text("objective statement", 2000), count="3", days="10"),
        **_objective(2, "mqls_delivered", data.text("objective statement", 2000)),
    }


def agreement(data: HostileData) -> None:
    """One agreement in force (its clocks run on the hand-offs), one sent back with a comment."""
    for signed in (True, False):
        data.post("marketing_manager", "sla:agreement_new", {})
        version = Agreement.objects.filter(org=data.org).order_by("-pk").first()
        data.agreements.append(version.pk)
        data.post("marketing_manager", "sla:agreement_edit", _agreement_form(data), args=[version.pk])
        data.post("marketing_manager", "sla:agreement_propose", {"comment": data.text("agreement comment")},
                  args=[version.pk])  # fmt: skip
        if signed:
            for role in ("marketing_manager", "sales_manager"):
                data.post(role, "sla:agreement_sign", {"comment": data.text("signature comment")}, args=[version.pk])
        else:
            data.post("sales_manager", "sla:agreement_send_back", {"comment": data.text("agreement comment")},
                      args=[version.pk])  # fmt: skip
    assert Agreement.objects.filter(org=data.org, status=Agreement.Status.ACTIVE).exists()


def region_values(data: HostileData) -> list[str]:
    """Regions the criteria ask for: hostile, without commas (the editor splits at them)."""
    return [p.text for p in data.rotation.items if "," not in p.text and len(p.text) <= 100][:6]


def _criteria_form(data: HostileData, version: CriteriaVersion, *, required_region: bool) -> dict:
    regions = region_values(data)
    data.fields.update({"criteria rule: regions", "criteria rule: industries", "criteria rule: pain points"})
    industries = ", ".join(data.text("criteria rule: industries", 90) for _ in range(4))
    pains = ", ".join(data.text("criteria rule: pain points", 90) for _ in range(4))
    return {
        "name": data.text("criteria version name", 120),
        "summary": data.text("criteria summary"),
        "min_fit_score": "0",
        "min_engagement_score": "0",
        "rule": ["0", "1", "2", "3"],
        "action": "save",
        "rule-0-attribute": "region",
        "rule-0-operator": "in",
        "rule-0-texts": ", ".join(regions),
        "rule-0-required": "on" if required_region else "",
        "rule-0-weight": "" if required_region else "30",
        "rule-1-attribute": "industry",
        "rule-1-operator": "in",
        "rule-1-texts": industries,
        "rule-1-weight": "20",
        "rule-2-attribute": "pain_point",
        "rule-2-operator": "any_of",
        "rule-2-texts": pains,
        "rule-2-weight": "20",
        "rule-3-attribute": "content",
        "rule-3-operator": "engaged_with",
        "rule-3-topic": data.text("criteria topic", 80),
        "rule-3-days": "30",
        "rule-3-weight": "10",
    }


def criteria(data: HostileData) -> None:
    """Version 1 active (signed by both managers), version 2 sent back, version 3 a draft."""
    for n in range(3):
        based_on = {"based_on": data.criteria[-1]} if data.criteria else {}
        data.post("marketer", "leads:criteria_new", based_on)
        version = CriteriaVersion.objects.filter(org=data.org).order_by("-pk").first()
        data.criteria.append(version.pk)
        data.post("marketer", "leads:criteria_edit", _criteria_form(data, version, required_region=n == 0),
                  args=[version.pk])  # fmt: skip
        if n == 2:
            break
        data.post("marketer", "leads:criteria_propose", {"comment": data.text("criteria comment")}, args=[version.pk])
        if n == 0:
            for role in ("marketing_manager", "sales_manager"):
                data.post(role, "leads:criteria_sign", {"comment": data.text("signature comment")}, args=[version.pk])
        else:
            data.post("sales_manager", "leads:criteria_send_back", {"comment": data.text("criteria comment")},
                      args=[version.pk])  # fmt: skip
    for chunk in ReevaluationChunk.objects.filter(org=data.org):
        reevaluate_chunks_task([chunk.pk])


def _lead_item(data: HostileData, n: int, email: str, campaigns: list[str]) -> dict:
    item = {name: data.text(f"lead {name}", limit) for name, limit in LEAD_TEXT.items()}
    # The external id names the lead: each lead its own, the hostile text first.
    item["external_id"] = data.text("lead external_id", 90) + f" ~{n}"
    item["campaign_external_id"] = campaigns[n % len(campaigns)]
    item["email"] = email
    item["pain_points"] = [data.text("lead pain_points", 200) for _ in range(3)]
    item["country"] = ["DE", "FR", "US", "GB"][n % 4]
    item["employees"] = 50 + n
    item["buying_authority"] = "decision_maker"
    item["timeline"] = "within_3_months"
    item["company_domain"] = f"company{n}.example"
    regions = region_values(data)
    # Most leads are in a region the active criteria ask for, so they qualify and move on.
    if n % 5:
        item["region"] = regions[n % len(regions)]
    return item


def leads_through_the_api(data: HostileData) -> None:
    emails = email_payloads(960)
    # Campaigns named by their (hostile) external ids, as a client sends them.
    campaigns = list(
        Campaign.objects.filter(org=data.org).exclude(external_id="").values_list("external_id", flat=True)
    )
    items = []
    for n in range(LEAD_COUNT):
        email = emails[n % len(emails)].text.replace("@example.test", f"@example{n}.test") if n % 7 == 0 else ""
        items.append(_lead_item(data, n, email or f"lead{n}@example.test", campaigns))
    result = data.api("marketer", "post", "api:leads-bulk", {"items": items})
    assert result["counts"] == {"created": LEAD_COUNT, "updated": 0, "duplicate": 0, "error": 0}, result
    for n in range(3):
        data.api("marketer", "post", "api:leads", _lead_item(data, 100 + n, f"single{n}@example.test", campaigns))
    evaluate_pending(org_id=data.org.pk)
    data.leads = list(Lead.objects.filter(org=data.org).order_by("pk").values_list("pk", flat=True))


def events_through_the_api(data: HostileData) -> None:
    now = timezone.now()
    urls = url_payloads(970)
    items = []
    for n, lead_id in enumerate(data.leads[:30]):
        items.append({
            "lead": lead_id, "kind": ["download", "attend", "view", "click"][n % 4],
            "occurred_at": (now - timedelta(days=n % 20, hours=1)).isoformat(),
            "source": data.text("event source", 80), "external_id": data.text("event external id", 100),
            "asset_external_id": data.text("event asset external id", 100),
            "asset_title": data.text("event asset title", 200), "asset_url": urls[n % len(urls)].text,
            "asset_kind": "webinar",
            "metadata": {data.text("event metadata key", 100): data.text("event metadata value", 500), "n": n},
        })  # fmt: skip
    result = data.api("marketer", "post", "api:events", {"items": items})
    assert result["counts"]["error"] == 0, result
    evaluate_pending(org_id=data.org.pk)


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def leads_through_csv(data: HostileData) -> None:
    """Hostile headers, a hostile file name, hostile cells; some rows refused, with reasons that quote them."""
    columns = ["email", *LEAD_TEXT, "country", "employees", "pain_points", "company_domain"]
    headers = [data.text("CSV header", 150) for _ in columns]
    rows = []
    for n in range(8):
        cells = {name: data.text(f"CSV {name}", limit) for name, limit in LEAD_TEXT.items()}
        cells |= {"email": f"csv{n}@example.test", "country": "DE", "employees": "12", "company_domain": ""}
        cells["pain_points"] = "; ".join(data.text("CSV pain_points", 200) for _ in range(2))
        cells.pop("campaign_external_id")
        cells["campaign_external_id"] = ""
        rows.append(cells)
    # Refused rows: the report quotes their values and says why.
    for name in ("email", "country", "employees", "company_domain"):
        bad = {"email": f"bad{name}@example.test", "country": "DE", "employees": "1"}
        bad[name] = data.text(f"CSV refused {name}", 200)
        rows.append(bad)
    lines = [",".join(_csv_cell(h) for h in headers)]
    lines += [",".join(_csv_cell(row.get(name, "")) for name in columns) for row in rows]
    body = ("\r\n".join(lines) + "\r\n").encode()
    # A name the multipart encoding carries unchanged: no quotes, no slashes.
    name = next(p.text for p in data.rotation.items if not set(p.text) & set('"/\\\t') and len(p.text) < 100)
    name += ".csv"
    data.fields.add("CSV file name")
    upload = SimpleUploadedFile(name, body, content_type="text/csv")
    data.post("marketer", "leads:import_start", {}, files={"file": upload})
    lead_import = LeadImport.objects.filter(org=data.org).order_by("-pk").first()
    data.imports.append(lead_import.pk)
    mapping = {f"col_{n}": column for n, column in enumerate(columns)}
    data.post("marketer", "leads:import_mapping", mapping, args=[lead_import.pk])
    data.post("marketer", "leads:import_run", {}, args=[lead_import.pk])
    run_lead_import_task(lead_import.pk)
    lead_import.refresh_from_db()
    assert lead_import.status == LeadImport.Status.DONE, lead_import.error
    assert lead_import.rejected_count == 4, lead_import.rejected_count
    # A second file stays at its preview, with its mapping saved.
    second = SimpleUploadedFile("leads.csv", body, content_type="text/csv")
    data.post("marketer", "leads:import_start", {}, files={"file": second})
    preview = LeadImport.objects.filter(org=data.org).order_by("-pk").first()
    data.post("marketer", "leads:import_mapping", mapping, args=[preview.pk])
    data.imports.append(preview.pk)
    evaluate_pending(org_id=data.org.pk)


def routing_rules(data: HostileData) -> None:
    reps = [data.people["sales_rep"].pk, data.people["sales_rep2"].pk]
    industries = [item.text for item in data.rotation.items if "," not in item.text and len(item.text) <= 100]
    for n in range(3):
        # The last rule takes any industry in the leads' countries: routing finds a rep for every lead.
        picked = industries[n * 3 : n * 3 + 3] if n < 2 else []
        data.post("sales_manager", "leads:routing_rule_new", {
            "name": data.text("routing rule name", 80), "position": str(10 * (n + 1)),
            "countries": ["DE", "FR", "US", "GB"], "industries": ", ".join(picked), "min_employees": "",
            "max_employees": "", "reps": reps[: n % 2 + 1], "is_active": "on",
        })  # fmt: skip
    data.fields.add("routing rule industries")


def _mqls(data: HostileData, count: int) -> list[Lead]:
    return list(Lead.objects.filter(org=data.org, status=Lead.Status.MQL).order_by("pk")[:count])


def hand_offs(data: HostileData) -> None:
    """Leads through every answer sales gives, each step's text hostile."""
    rep1, rep2 = data.people["sales_rep"], data.people["sales_rep2"]
    leads = _mqls(data, 12)
    assert len(leads) == 12, "the active criteria qualify most API leads"
    objections = list(ObjectionReason.objects.filter(org=data.org, is_active=True).values_list("pk", flat=True))
    losses = list(LossReason.objects.filter(org=data.org, is_active=True).values_list("pk", flat=True))
    asset = ContentAsset.objects.filter(org=data.org).order_by("pk").first()
    for n, lead in enumerate(leads):
        data.flow_leads.append(lead.pk)
        rep = [rep1, rep2, None][n % 3]
        data.post(
            "marketer",
            "leads:hand_off",
            {"rep": rep.pk if rep else "", "note": data.text("hand-off note", 2000)},
            args=[lead.pk],
        )
        lead.refresh_from_db()
        owner = "sales_rep" if lead.owner_id == rep1.pk else "sales_rep2" if lead.owner_id == rep2.pk else None
        if owner is None:
            continue
        if n in (4, 5):
            data.post(owner, "leads:reject", {"reject-reason": "other", "reject-note": data.text("reject note", 2000),
                                              "reject-seen_status": "handed_off"}, args=[lead.pk])  # fmt: skip
            data.post("sales_manager", "feedback:quality", _quality(data), args=[lead.pk])
            if n == 4:
                data.post("marketer", "leads:renurture", {"note": data.text("renurture note", 2000),
                                                          "seen_status": "recycled"}, args=[lead.pk])  # fmt: skip
            continue
        if n == 11:
            continue  # waits in the inbox
        data.post(owner, "leads:accept", {"seen_status": "handed_off"}, args=[lead.pk])
        follow_up = {
            "follow_up-kind": "call",
            "follow_up-occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "follow_up-outcome": "connected",
            "follow_up-notes": data.text("follow-up notes", 5000),
            "follow_up-objections": [str(pk) for pk in objections[:2]],
            "follow_up-pain_points": data.text("follow-up pain points", 200),
        }
        for pk in objections[:2]:
            follow_up[f"follow_up-objection_text_{pk}"] = data.text("objection text", 2000)
        data.post(owner, "feedback:follow_up", follow_up, args=[lead.pk])
        data.post(owner, "feedback:quality", _quality(data), args=[lead.pk])
        closing = n % 4
        if closing == 0:
            data.post(owner, "feedback:close", {"outcome": "won", "won-value": "12000", "won-helped_asset": asset.pk,
                                                "won-helped_tactic": data.text("won: what helped", 200),
                                                "won-seen_status": "working"}, args=[lead.pk])  # fmt: skip
        elif closing == 1:
            data.post(owner, "feedback:close", {"outcome": "lost", "lost-loss_reason": losses[n % len(losses)],
                                                "lost-competitor": data.text("lost: competitor", 120),
                                                "lost-seen_status": "working"}, args=[lead.pk])  # fmt: skip
        elif closing == 2:
            data.post(owner, "feedback:close", {"outcome": "opportunity", "opportunity-value": "5000",
                                                "opportunity-seen_status": "working"}, args=[lead.pk])  # fmt: skip
    # Marketing's own answers on leads that did not qualify.
    waiting = (Lead.Status.NEW, Lead.Status.NURTURING)
    others = list(Lead.objects.filter(org=data.org, status__in=waiting).order_by("pk")[:3])
    for n, lead in enumerate(others):
        name = "leads:qualify" if n < 2 else "leads:disqualify"
        data.post("marketer", name, {"reason": data.text("qualify reason", 2000)}, args=[lead.pk])
        data.flow_leads.append(lead.pk)


def _quality(data: HostileData) -> dict:
    return {"quality-fit": "2", "quality-ready_to_talk": "no", "quality-brief_useful": "yes",
            "quality-comment": data.text("quality comment", 2000)}  # fmt: skip


def check_in_notes(data: HostileData) -> None:
    today = timezone.localdate()
    for back in range(2):
        month = (today.replace(day=1) - timedelta(days=back * 28)).strftime("%Y-%m")
        data.post("marketer", "feedback:check_in_notes", {"month": month, "text": data.text("check-in notes")})


def background_work(data: HostileData) -> None:
    """What the worker and the beat schedule would run by now."""
    evaluate_pending(org_id=data.org.pk)
    sweep_clocks_task()
    compute_compliance_task(data.org.pk, 12)
    refresh_dashboards_task(data.org.pk, True)
    for notice in Notification.objects.filter(org=data.org, by_email=True):
        send_notification_email_task(notice.pk)


def a_second_organization(data: HostileData) -> None:
    """Signed up with hostile names, then invited into the first: the organization switcher shows both."""
    client = Client()
    response = client.post(reverse("accounts:signup"), {
        "org_name": data.text("sign-up organization name", 120), "full_name": data.text("sign-up name", 150),
        "email": "founder@example.test", "side": "marketing", "password": "a long passphrase 4 signup",
    })  # fmt: skip
    assert response.status_code == 302, _errors(response)
    data.entries += 1
    data.other_admin = Membership.objects.get(user__email="founder@example.test")
    data.post("admin", "accounts:members", {"full_name": "Founder", "email": "founder@example.test",
                                            "role": Role.MARKETER, "side": ""})  # fmt: skip
