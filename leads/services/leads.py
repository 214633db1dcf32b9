"""Create-or-update of leads in batches: the one path for the API, bulk calls and CSV import.

A batch costs a constant number of queries, whatever its size: one to find the known leads (and
lock them, in id order, so concurrent batches cannot lose each other's changes), one per kind of
reference, one insert and one update. Identity is the external id when given, else the e-mail; the
unique constraints make concurrent senders of the same new lead end with one row.
"""

import json
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AuditEvent, Membership, Organization
from accounts.services import record_audit_event
from leads.batch import BatchResult, ItemResult, Outcome
from leads.domains import company_domain_for
from leads.models import Campaign, Company, Lead
from leads.services.qualification import note_leads_to_evaluate
from leads.validation import LeadInput, clean_lead

logger = logging.getLogger(__name__)

# Lead columns a client can set, in one fixed order for the SQL below.
WRITABLE = [
    "external_id", "email", "first_name", "last_name", "phone", "job_title", "company_name", "industry",
    "employees", "annual_revenue", "country", "region", "source", "campaign_id", "buying_authority", "budget",
    "timeline", "pain_points", "current_supplier", "notes", "company_id",
]  # fmt: skip
SQL_TYPES = {
    "employees": "int",
    "annual_revenue": "numeric",
    "budget": "numeric",
    "campaign_id": "bigint",
    "company_id": "bigint",
    "pain_points": "jsonb",
}
NULLABLE = {"employees", "annual_revenue", "budget", "campaign_id", "company_id"}
DEFAULTS = {"buying_authority": Lead.BuyingAuthority.UNKNOWN, "timeline": Lead.Timeline.UNKNOWN, "pain_points": []}
ATTEMPTS = 3
MAX_ROUNDS = 10


@dataclass
class Pending:
    index: int
    lead: LeadInput
    # The columns this item sets, references resolved (campaign_id, company_id).
    row: dict = field(default_factory=dict)

    @property
    def keys(self) -> set[tuple[str, str]]:
        keys = set()
        if self.lead.external_id:
            keys.add(("external_id", self.lead.external_id))
        if self.lead.email:
            keys.add(("email", self.lead.email))
        return keys


def upsert_leads(*, org: Organization, items: list) -> BatchResult:
    """Create or update each item; refuse the bad ones with reasons; store the good ones regardless."""
    refused: dict[int, ItemResult] = {}
    valid: list[Pending] = []
    for index, raw in enumerate(items):
        cleaned, errors = clean_lead(raw)
        if errors:
            refused[index] = ItemResult(index, Outcome.ERROR, errors=errors)
        else:
            valid.append(Pending(index, cleaned, row=_columns(cleaned)))
    stored: dict[int, ItemResult] = {}
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                stored = _store(org, [Pending(p.index, p.lead, dict(p.row)) for p in valid])
                changed = [r.id for r in stored.values() if r.status in (Outcome.CREATED, Outcome.UPDATED)]
                note_leads_to_evaluate(org_id=org.pk, lead_ids=changed)
            break
        except (IntegrityError, OperationalError) as error:
            # A concurrent batch created or changed one of these leads between our read and write,
            # or two batches locked in opposite orders: everything here rolled back, so go again.
            if attempt == ATTEMPTS:
                raise
            logger.info("lead batch retried after %s", type(error).__name__)
    merged = refused | stored
    return BatchResult([merged[i] for i in sorted(merged)])


def _columns(lead: LeadInput) -> dict:
    return {name: value for name, value in lead.values.items() if name in WRITABLE}


def _store(org: Organization, queue: list[Pending]) -> dict[int, ItemResult]:
    results: dict[int, ItemResult] = {}
    _resolve_campaigns(org, queue, results)
    queue = [p for p in queue if p.index not in results]
    _resolve_companies(org, queue)
    for _ in range(MAX_ROUNDS):
        if not queue:
            break
        # Items naming the same lead twice are applied in their order, one round each.
        this_round, later, taken = [], [], set()
        for pending in queue:
            if pending.keys & taken:
                later.append(pending)
            else:
                this_round.append(pending)
                taken |= pending.keys
        queue = sorted(_apply_round(org, this_round, results) + later, key=lambda p: p.index)
    for pending in queue:
        results[pending.index] = ItemResult(
            pending.index, Outcome.ERROR, errors={"non_field_errors": ["Sent too often in one batch; send it again."]}
        )
    return results


def _resolve_campaigns(org: Organization, queue: list[Pending], results: dict[int, ItemResult]) -> None:
    ids = {p.lead.values["campaign"] for p in queue if p.lead.values.get("campaign") is not None}
    external_ids = {p.lead.values["campaign_external_id"] for p in queue if p.lead.values.get("campaign_external_id")}
    if not ids and not external_ids:
        return
    found = Campaign.objects.filter(org=org).filter(Q(pk__in=ids) | Q(external_id__in=external_ids))
    by_id, by_external_id = {}, {}
    for campaign_id, external_id in found.values_list("id", "external_id"):
        by_id[campaign_id] = campaign_id
        if external_id:
            by_external_id[external_id] = campaign_id
    for pending in queue:
        values = pending.lead.values
        if values.get("campaign") is not None:
            if values["campaign"] not in by_id:
                error = {"campaign": [f"No campaign {values['campaign']} in your organization."]}
                results[pending.index] = ItemResult(pending.index, Outcome.ERROR, errors=error)
            pending.row["campaign_id"] = by_id.get(values["campaign"])
        elif values.get("campaign_external_id"):
            if values["campaign_external_id"] not in by_external_id:
                message = f"No campaign with external id “{values['campaign_external_id']}” in your organization."
                results[pending.index] = ItemResult(
                    pending.index, Outcome.ERROR, errors={"campaign_external_id": [message]}
                )
            pending.row["campaign_id"] = by_external_id.get(values["campaign_external_id"])
        elif "campaign" in values or "campaign_external_id" in values:
            pending.row["campaign_id"] = None


def _resolve_companies(org: Organization, queue: list[Pending]) -> None:
    """Attach each lead that names an e-mail or company domain to that domain's company, creating it."""
    wanted: dict[str, Pending] = {}
    for pending in queue:
        values = pending.lead.values
        if "email" not in values and "company_domain" not in values:
            continue
        domain = company_domain_for(email=values.get("email", ""), company_domain=values.get("company_domain", ""))
        pending.row["company_id"] = domain or None
        if domain:
            wanted.setdefault(domain, pending)
    if not wanted:
        return
    known = dict(Company.objects.filter(org=org, domain__in=wanted).values_list("domain", "id"))
    missing = sorted(set(wanted) - set(known))
    if missing:
        now = timezone.now()
        values = [wanted[d].lead.values for d in missing]
        with connection.cursor() as cursor:
            # Sorted by domain, so two batches creating the same companies wait on each other in one order.
            cursor.execute(
                """
                INSERT INTO leads_company
                    (org_id, domain, name, industry, employees, annual_revenue, country, created_at, updated_at)
                SELECT %s, v.domain, v.name, v.industry, v.employees, v.annual_revenue, v.country, %s, %s
                FROM unnest(%s::text[], %s::text[], %s::text[], %s::int[], %s::numeric[], %s::text[])
                     WITH ORDINALITY AS v(domain, name, industry, employees, annual_revenue, country, ord)
                ORDER BY v.ord
                ON CONFLICT DO NOTHING
                """,
                [
                    org.pk, now, now, missing,
                    [v.get("company_name") or d for v, d in zip(values, missing, strict=True)],
                    [v.get("industry", "") for v in values],
                    [v.get("employees") for v in values],
                    [v.get("annual_revenue") for v in values],
                    [v.get("country", "") for v in values],
                ],
            )  # fmt: skip
        known |= dict(Company.objects.filter(org=org, domain__in=missing).values_list("domain", "id"))
    for pending in queue:
        domain = pending.row.get("company_id")
        if isinstance(domain, str):
            pending.row["company_id"] = known[domain]


def _apply_round(org: Organization, items: list[Pending], results: dict[int, ItemResult]) -> list[Pending]:
    """Store one round of items with distinct identities. Returns those a concurrent insert beat."""
    external_ids = [p.lead.external_id for p in items if p.lead.external_id]
    emails = [p.lead.email for p in items if p.lead.email]
    known = list(
        Lead.objects.select_for_update(no_key=True)
        .filter(org=org)
        .filter(Q(external_id__in=external_ids) | Q(email__in=emails))
        .order_by("id")
        .values("id", *WRITABLE)
    )
    by_external_id = {row["external_id"]: row for row in known if row["external_id"]}
    by_email = {row["email"]: row for row in known if row["email"]}
    creates: list[Pending] = []
    updates: list[tuple[int, dict]] = []
    for pending in items:
        lead = pending.lead
        by_id = by_external_id.get(lead.external_id) if lead.external_id else None
        by_mail = by_email.get(lead.email) if lead.email else None
        existing = by_id or by_mail
        if by_id and by_mail and by_id["id"] != by_mail["id"]:
            message = f"{lead.email} belongs to lead {by_mail['id']}, not to lead {by_id['id']} of this external_id."
            results[pending.index] = ItemResult(pending.index, Outcome.ERROR, errors={"email": [message]})
        elif by_mail and not by_id and lead.external_id and by_mail["external_id"]:
            message = f"{lead.email} belongs to lead {by_mail['id']}, which has external_id “{by_mail['external_id']}”."
            results[pending.index] = ItemResult(pending.index, Outcome.ERROR, errors={"external_id": [message]})
        elif existing is None:
            creates.append(pending)
        else:
            row = {name: existing[name] for name in WRITABLE} | pending.row
            if any(row[name] != existing[name] for name in WRITABLE):
                updates.append((existing["id"], row))
                results[pending.index] = ItemResult(pending.index, Outcome.UPDATED, id=existing["id"])
            else:
                results[pending.index] = ItemResult(pending.index, Outcome.DUPLICATE, id=existing["id"])
    lost = []
    if creates:
        creates.sort(key=lambda p: (p.lead.external_id, p.lead.email))
        inserted = _insert(org, creates)
        for pending in creates:
            lead_id = inserted.get(("external_id", pending.lead.external_id)) or inserted.get(
                ("email", pending.lead.email)
            )
            if lead_id is None:
                lost.append(pending)
            else:
                results[pending.index] = ItemResult(pending.index, Outcome.CREATED, id=lead_id)
    if updates:
        _update(org, updates)
    return lost


def _arrays(rows: list[dict]) -> list[list]:
    arrays = []
    for name in WRITABLE:
        default = DEFAULTS.get(name, None if name in NULLABLE else "")
        column = [row.get(name, default) for row in rows]
        arrays.append([json.dumps(v) for v in column] if name == "pain_points" else column)
    return arrays


def _unnest(extra: list[tuple[str, str]] = ()) -> str:
    columns = [*(name for name, _ in extra), *WRITABLE]
    types = [*(sql for _, sql in extra), *(SQL_TYPES.get(name, "text") for name in WRITABLE)]
    casts = ", ".join(f"%s::{sql}[]" for sql in types)
    return f"unnest({casts}) WITH ORDINALITY AS v({', '.join(columns)}, ord)"


def _selected(prefix: str = "v.") -> str:
    return ", ".join(
        f"ARRAY(SELECT jsonb_array_elements_text({prefix}{name}))" if name == "pain_points" else f"{prefix}{name}"
        for name in WRITABLE
    )


def _insert(org: Organization, creates: list[Pending]) -> dict[tuple[str, str], int]:
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO leads_lead (org_id, status, engagement_score, created_at, updated_at, {", ".join(WRITABLE)})
            SELECT %s, %s, 0, %s, %s, {_selected()}
            FROM {_unnest()}
            ORDER BY v.ord
            ON CONFLICT DO NOTHING
            RETURNING id, external_id, email
            """,  # noqa: S608 -- column names are constants of this module
            [org.pk, Lead.Status.NEW, now, now, *_arrays([p.row for p in creates])],
        )
        inserted = {}
        for lead_id, external_id, email in cursor.fetchall():
            if external_id:
                inserted[("external_id", external_id)] = lead_id
            if email:
                inserted[("email", email)] = lead_id
    return inserted


def _update(org: Organization, updates: list[tuple[int, dict]]) -> None:
    assignments = ", ".join(
        f"{name} = ARRAY(SELECT jsonb_array_elements_text(v.{name}))" if name == "pain_points" else f"{name} = v.{name}"
        for name in WRITABLE
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE leads_lead AS l SET {assignments}, updated_at = %s
            FROM {_unnest([("id", "bigint")])}
            WHERE l.id = v.id AND l.org_id = %s
            """,  # noqa: S608 -- column names are constants of this module
            [timezone.now(), [lead_id for lead_id, _ in updates], *_arrays([row for _, row in updates]), org.pk],
        )


def record_leads_export(*, by: Membership, filters: dict, request: HttpRequest | None = None) -> None:
    """Downloading the lead list is an export of personal data: it goes to the audit log, with
    the filters used, so an admin can tell what left and who took it."""
    record_audit_event(
        kind=AuditEvent.Kind.LEADS_EXPORTED,
        request=request,
        org=by.org,
        actor=by.user,
        target="All leads",
        details={"filters": filters},
    )
