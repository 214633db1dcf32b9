"""Reads of leads, companies, campaigns, content and engagement, scoped to the asking member."""

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from psycopg.pq import Format

from accounts.models import Membership
from accounts.roles import Role
from accounts.selectors import active_members
from leads.csv_import import FIELD_LABELS, IGNORE, Record, describe_errors, resolve_campaign, row_problem, row_to_item
from leads.engagement import HORIZON, ScorePart, Touch, score_parts
from leads.models import (
    Campaign,
    Company,
    ContentAsset,
    CriteriaRule,
    CriteriaVersion,
    EngagementEvent,
    HandOff,
    ImportColumnChoice,
    Lead,
    LeadEvaluation,
    LeadImport,
    LeadImportRejection,
    LeadStatusChange,
    ReevaluationChunk,
    RoutingRule,
    RoutingRuleRep,
)
from leads.scoring import Attribute, ContentTouch, Criteria, LeadFacts, Operator, Rule
from leads.validation import clean_lead

TIMELINE_LENGTH = 100


def leads_visible_to(member: Membership) -> QuerySet[Lead]:
    """Every lead of the organization; a sales rep sees the leads they own."""
    leads = Lead.objects.filter(org_id=member.org_id)
    if member.role == Role.SALES_REP:
        leads = leads.filter(owner=member)
    return leads


def lead_list(member: Membership) -> QuerySet[Lead]:
    """What list pages and the API's list show: the lead plus the names of its references."""
    return leads_visible_to(member).select_related("campaign", "company", "owner__user")


def lead_after_action(lead: Lead) -> Lead:
    """The lead as an action on it left it, with its references, for the answer to whoever acted.

    Looked up in the lead's organization, not through the actor's view: a rep who rejects a lead hands
    it back to marketing, and is still answered with what became of it.
    """
    return Lead.objects.select_related("campaign", "company", "owner__user").get(pk=lead.pk, org_id=lead.org_id)


def companies_visible_to(member: Membership) -> QuerySet[Company]:
    return Company.objects.filter(org_id=member.org_id)


def campaigns_visible_to(member: Membership) -> QuerySet[Campaign]:
    return Campaign.objects.filter(org_id=member.org_id)


def assets_visible_to(member: Membership) -> QuerySet[ContentAsset]:
    return ContentAsset.objects.filter(org_id=member.org_id).select_related("campaign")


def lead_timeline(lead: Lead, *, limit: int = TIMELINE_LENGTH) -> list[EngagementEvent]:
    """The lead's engagement, newest first, with the content each touch was about."""
    events = EngagementEvent.objects.filter(org_id=lead.org_id, lead=lead).select_related("asset")
    return list(events.order_by("-occurred_at", "-id")[:limit])


def lead_score_parts(lead: Lead) -> list[ScorePart]:
    """How the engagement score is made up today, by kind of touch."""
    now = timezone.now()
    events = EngagementEvent.objects.filter(org_id=lead.org_id, lead=lead, occurred_at__gte=now - HORIZON)
    return score_parts((Touch(kind, at) for kind, at in events.values_list("kind", "occurred_at")), now)


def _count_of(rows: QuerySet, by: str, what: str = "*", *, distinct: bool = False) -> Coalesce:
    """A per-row count as a correlated subquery: PostgreSQL runs it only for the rows of the page
    (after ORDER BY/LIMIT), where a JOIN + GROUP BY would count every lead and event of the org.
    COUNT(*) over `org, <by>` is answered from the (org, <by>) index alone, without reading rows."""
    counted = rows.filter(**{by: OuterRef("pk")}).order_by().values(by).annotate(n=Count(what, distinct=distinct))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), 0)


def companies_with_lead_counts(member: Membership, *, search: str = "") -> QuerySet[Company]:
    companies = companies_visible_to(member)
    if search.strip():
        companies = companies.filter(Q(name__icontains=search.strip()) | Q(domain__icontains=search.strip()))
    leads = Lead.objects.filter(org_id=member.org_id)
    return companies.annotate(lead_count=_count_of(leads, "company_id")).order_by("name", "id")


def campaigns_with_figures(member: Membership) -> QuerySet[Campaign]:
    return campaigns_visible_to(member).annotate(
        lead_count=_count_of(Lead.objects.filter(org_id=member.org_id), "campaign_id"),
        asset_count=_count_of(ContentAsset.objects.filter(org_id=member.org_id), "campaign_id"),
    )


def assets_with_figures(member: Membership) -> QuerySet[ContentAsset]:
    events = EngagementEvent.objects.filter(org_id=member.org_id)
    return assets_visible_to(member).annotate(
        touch_count=_count_of(events, "asset_id"),
        lead_count=_count_of(events, "asset_id", "lead_id", distinct=True),
    )


# Exactly what a row of a lead table shows: the list must stay fast on an org with 100k leads.
LEAD_ROW_FIELDS = (
    "id", "first_name", "last_name", "email", "external_id", "company_id", "company__name", "company_name",
    "status", "fit_score", "engagement_score", "campaign_id", "campaign__name", "source", "created_at",
)  # fmt: skip


def lead_rows(member: Membership) -> QuerySet:
    """Leads as the list pages show them, newest first, as dicts of LEAD_ROW_FIELDS: a 50-row page
    would otherwise spend more time building model instances than the database spends finding them."""
    return as_lead_rows(leads_visible_to(member).order_by("-created_at", "-id"))


def as_lead_rows(leads: QuerySet[Lead]) -> QuerySet:
    """These leads, in their order, as lead_rows gives them."""
    return leads.values(*LEAD_ROW_FIELDS)


def leads_of_company(member: Membership, company: Company) -> QuerySet:
    return lead_rows(member).filter(company=company)


def newest_leads_of_campaign(member: Membership, campaign: Campaign, *, limit: int = 10) -> list[dict]:
    return list(lead_rows(member).filter(campaign=campaign)[:limit])


def assets_of_campaign(member: Membership, campaign: Campaign) -> QuerySet[ContentAsset]:
    return assets_with_figures(member).filter(campaign=campaign)


def campaign_choices(member: Membership) -> list[tuple[int, str]]:
    """The member's campaigns for a picker, by name."""
    return list(campaigns_visible_to(member).order_by("name", "id").values_list("id", "name"))


# The filter bar's campaigns (as campaign_choices gives them) and owners (the organization's active
# members, named as Membership.name does) in one round trip: the lead list needs both on every view.
LEAD_FILTER_CHOICES = """
SELECT
    (SELECT COALESCE(json_agg(json_build_array(c.id, c.name) ORDER BY c.name, c.id), '[]')
     FROM leads_campaign AS c WHERE c.org_id = %(org)s),
    (SELECT COALESCE(json_agg(json_build_array(m.id, COALESCE(NULLIF(u.full_name, ''), u.email))
                              ORDER BY u.full_name, m.id), '[]')
     FROM accounts_membership AS m JOIN accounts_user AS u ON u.id = m.user_id
     WHERE m.org_id = %(org)s AND m.is_active AND u.is_active)
"""


def lead_filter_choices(member: Membership) -> dict[str, list[tuple[int, str]]]:
    """{"campaigns": [(campaign id, name)], "owners": [(membership id, name)]}, each by name."""
    with connection.cursor() as cursor:
        cursor.execute(LEAD_FILTER_CHOICES, {"org": member.org_id})
        row = cursor.fetchone()
    return {
        name: [(key, label) for key, label in (json.loads(value) if isinstance(value, str) else value)]
        for name, value in zip(("campaigns", "owners"), row, strict=True)
    }


def campaign_by_external_id(member: Membership, external_id: str) -> Campaign | None:
    return campaigns_visible_to(member).filter(~Q(external_id=""), external_id=external_id).first()


def imports_visible_to(member: Membership) -> QuerySet[LeadImport]:
    """The organization's lead imports, without the files themselves (megabytes each)."""
    return LeadImport.objects.filter(org_id=member.org_id).defer("data")


def import_list(member: Membership) -> QuerySet[LeadImport]:
    return imports_visible_to(member).select_related("created_by__user").order_by("-created_at", "-id")


def import_rejections(lead_import: LeadImport) -> QuerySet[LeadImportRejection]:
    return LeadImportRejection.objects.filter(org_id=lead_import.org_id, lead_import=lead_import).order_by(
        "line_number"
    )


def rejected_rows(lead_import: LeadImport) -> Iterator[tuple[int, str, list[str]]]:
    """(line, reason, cells) of every rejected row, streamed for the CSV download."""
    rows = import_rejections(lead_import).values_list("line_number", "reason", "values")
    return rows.iterator(chunk_size=2000)


def remembered_columns(*, org_id: int) -> dict[str, str]:
    """header key → the lead field this organization chose for it last time."""
    return dict(ImportColumnChoice.objects.filter(org_id=org_id).values_list("header_key", "field"))


def campaign_ids_by_reference(*, org_id: int, references: set[str]) -> dict[str, int]:
    """Campaigns an import names by external id, else by name in any case; a name two campaigns share names none."""
    if not references:
        return {}
    lowered = {reference.lower() for reference in references}
    found = (
        Campaign.objects.filter(org_id=org_id)
        .alias(name_lower=Lower("name"))
        .filter(Q(external_id__in=references) | Q(name_lower__in=lowered))
        .values_list("id", "external_id", "name")
    )
    by_external_id, by_name = {}, {}
    for campaign_id, external_id, name in found:
        if external_id:
            by_external_id[external_id] = campaign_id
        by_name.setdefault(name.lower(), []).append(campaign_id)
    ids = {}
    for reference in references:
        named = by_name.get(reference.lower(), [])
        campaign_id = by_external_id.get(reference) or (named[0] if len(named) == 1 else None)
        if campaign_id is not None:
            ids[reference] = campaign_id
    return ids


@dataclass
class PreviewCell:
    value: str
    errors: list[str]


@dataclass
class PreviewRow:
    line: int
    cells: list[PreviewCell]
    reason: str

    @property
    def ok(self) -> bool:
        return not self.reason


def import_preview_rows(lead_import: LeadImport) -> list[PreviewRow]:
    """The first rows as they will be stored, cleaned by the one lead validator; nothing is written."""
    headers, mapping = lead_import.headers, lead_import.mapping
    records = [Record(line, cells) for line, cells in lead_import.sample]
    items = [row_to_item(record.cells, mapping) for record in records]
    references = {item["campaign_external_id"] for item in items if item.get("campaign_external_id")}
    campaigns = campaign_ids_by_reference(org_id=lead_import.org_id, references=references)
    rows = []
    for record, item in zip(records, items, strict=True):
        problem = row_problem(record.cells, headers)
        cleaned, errors = clean_lead(resolve_campaign(item, campaigns))
        if cleaned is not None and cleaned.values.get("campaign_external_id"):
            # upsert_leads would refuse it at import time; say so now.
            message = "No campaign with external id or name “{}” in your organization."
            errors = {"campaign_external_id": [message.format(cleaned.values["campaign_external_id"])]}
        values = cleaned.values if cleaned is not None else item
        cells = []
        for name in mapping:
            if name == IGNORE:
                continue
            # A campaign named by reference shows that reference; cleaning turned it into an id.
            shown = item.get(name) if name == "campaign_external_id" else values.get(name)
            cells.append(PreviewCell(_shown(shown), errors.get(name, [])))
        reason = problem or describe_errors(errors, headers, mapping)
        rows.append(PreviewRow(record.line, cells, reason))
    return rows


def preview_columns(lead_import: LeadImport) -> list[tuple[str, str]]:
    """(header, lead field label) of each column the import stores."""
    return [
        (header, FIELD_LABELS[name])
        for header, name in zip(lead_import.headers, lead_import.mapping, strict=True)
        if name != IGNORE
    ]


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


def active_criteria_version(*, org_id: int) -> CriteriaVersion | None:
    return CriteriaVersion.objects.filter(org_id=org_id, status=CriteriaVersion.Status.ACTIVE).first()


def criteria_of(version: CriteriaVersion) -> Criteria:
    """The version as the pure evaluator takes it."""
    rules = tuple(
        Rule(Attribute(r.attribute), Operator(r.operator), r.value, r.required, r.weight)
        for r in sorted(version.rules.all(), key=lambda rule: rule.position)
    )
    return Criteria(rules, version.min_fit_score, version.min_engagement_score)


def needs_touches(criteria: Criteria) -> bool:
    return any(rule.attribute in (Attribute.ENGAGEMENT, Attribute.CONTENT) for rule in criteria.rules)


def asset_topics_of(org_id: int) -> dict[int, list[str]]:
    return dict(ContentAsset.objects.filter(org_id=org_id).exclude(topics=[]).values_list("id", "topics"))


def criteria_versions_visible_to(member: Membership) -> QuerySet[CriteriaVersion]:
    return CriteriaVersion.objects.filter(org_id=member.org_id).select_related("created_by__user", "based_on")


def criteria_version_detail(member: Membership, pk: int) -> CriteriaVersion:
    """One version with its rules, signatures and history, or 404."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        criteria_versions_visible_to(member).prefetch_related(
            "rules", "signatures__member__user", "events__member__user"
        ),
        pk=pk,
    )


def reevaluation_progress(version: CriteriaVersion) -> tuple[int, int]:
    """(leads done, leads in all) of the re-evaluation its activation started."""
    figures = ReevaluationChunk.objects.filter(version=version).aggregate(
        total=Sum("size"), done=Sum("size", filter=Q(done_at__isnull=False))
    )
    return figures["done"] or 0, figures["total"] or 0


def lead_evaluation(lead: Lead) -> LeadEvaluation | None:
    return (
        LeadEvaluation.objects.filter(org_id=lead.org_id, lead=lead)
        .select_related("version")
        .prefetch_related("version__rules")
        .first()
    )


PREVIEW_DAYS = 90
PREVIEW_SAMPLE = 20_000


@dataclass(frozen=True)
class CriteriaImpact:
    qualified: int
    handed_off: int
    accepted: int
    won: int

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.handed_off if self.handed_off else None

    @property
    def close_rate(self) -> float | None:
        return self.won / self.handed_off if self.handed_off else None


@dataclass(frozen=True)
class ImpactPreview:
    """How a criteria draft would have judged the leads of the last 90 days, next to the active one."""

    considered: int
    sampled: bool
    draft: CriteriaImpact
    active: CriteriaImpact | None


def impact_preview(member: Membership, draft: Criteria, *, now=None) -> ImpactPreview:
    """Evaluates the draft and the active version over the same leads (the newest 20,000 of the
    last 90 days), and counts what happened to the leads each would qualify."""
    from leads.scoring import LeadFacts, evaluate

    now = now or timezone.now()
    leads = list(
        Lead.objects.filter(org_id=member.org_id, created_at__gte=now - timedelta(days=PREVIEW_DAYS))
        .order_by("-created_at", "-id")
        .values("id", "status", "handed_off_at", "accepted_at", "engagement_score", *QUALIFICATION_FACTS)[
            : PREVIEW_SAMPLE + 1
        ]
    )
    sampled = len(leads) > PREVIEW_SAMPLE
    leads = leads[:PREVIEW_SAMPLE]
    version = active_criteria_version(org_id=member.org_id)
    active = criteria_of(version) if version else None
    touches = {}
    if needs_touches(draft) or (active and needs_touches(active)):
        touches = touches_of(org_id=member.org_id, lead_ids=[lead["id"] for lead in leads], now=now)
    topics = asset_topics_of(member.org_id)

    def impact(criteria: Criteria) -> CriteriaImpact:
        qualified = handed_off = accepted = won = 0
        for lead in leads:
            facts = LeadFacts.from_row(lead, touches.get(lead["id"], ()))
            if evaluate(criteria, facts, now, asset_topics=topics).qualified:
                qualified += 1
                handed_off += lead["handed_off_at"] is not None
                accepted += lead["accepted_at"] is not None
                won += lead["status"] == Lead.Status.WON
        return CriteriaImpact(qualified, handed_off, accepted, won)

    return ImpactPreview(len(leads), sampled, impact(draft), impact(active) if active else None)


QUALIFICATION_FACTS = (
    "country", "region", "employees", "annual_revenue", "industry", "buying_authority", "budget", "timeline",
    "pain_points",
)  # fmt: skip


@dataclass(frozen=True)
class VersionOutcome:
    qualified: int
    accepted: int
    won: int


def criteria_version_outcomes(member: Membership) -> dict[int, VersionOutcome]:
    """Per version: leads it qualified, how many sales accepted, how many were won."""
    rows = (
        Lead.objects.filter(org_id=member.org_id, criteria_version__isnull=False)
        .values("criteria_version_id")
        .annotate(
            qualified=Count("id"),
            accepted=Count("id", filter=Q(accepted_at__isnull=False)),
            won=Count("id", filter=Q(status=Lead.Status.WON)),
        )
    )
    return {r["criteria_version_id"]: VersionOutcome(r["qualified"], r["accepted"], r["won"]) for r in rows}


def qualified_queue(member: Membership) -> QuerySet:
    """MQLs not yet handed off, best fit first, then most engaged: what marketing hands off next."""
    return (
        leads_visible_to(member)
        .filter(status=Lead.Status.MQL)
        .order_by("-fit_score", "-engagement_score", "-id")
        .values(
            *LEAD_ROW_FIELDS, "qualified_at", "qualified_by_id", "criteria_version__number",
            "evaluation__version_id", "evaluation__results", "evaluation__reasons",
        )
    )  # fmt: skip


def rules_of_versions(rows: Iterable[dict]) -> dict[int, list[CriteriaRule]]:
    """The rules, in position order, of the versions that evaluated these qualified_queue rows."""
    found: dict[int, list[CriteriaRule]] = {}
    ids = {row["evaluation__version_id"] for row in rows} - {None}
    for rule in CriteriaRule.objects.filter(version_id__in=ids).order_by("version_id", "position"):
        found.setdefault(rule.version_id, []).append(rule)
    return found


def ids_literal(ids: Iterable[int]) -> str:
    """Ids as PostgreSQL's text for an array ("{1,2,3}"), for a parameter cast to bigint[]: psycopg
    dumps a list element by element in Python, over a millisecond per thousand ids, three times this."""
    return "{" + ",".join(map(str, map(int, ids))) + "}"


def touches_of(*, org_id: int, lead_ids: list[int], now, within: timedelta = HORIZON) -> dict[int, list]:
    """The leads' touches of the last `within` (at most the engagement horizon), by lead, oldest first."""
    return _touches_by_lead(_send_touches(org_id, lead_ids, now, within))


def _send_touches(org_id: int, lead_ids: list[int], now, within: timedelta) -> CursorWrapper:
    # One plain query per chunk of leads, a few touches each: the ORM's per-row work cost more than
    # the query. In time order, so a lead's score adds up the same way every time.
    cursor = connection.cursor()
    # Binary rows: psycopg reads thousands of timestamps in C, where Django's text loader for them
    # is Python. Same instants, in UTC as ever.
    cursor.cursor.format = Format.BINARY
    cursor.execute(
        """
        SELECT lead_id, kind, occurred_at, asset_id FROM leads_engagementevent
        WHERE org_id = %s AND lead_id = ANY(%s::bigint[]) AND occurred_at >= %s
        ORDER BY lead_id, occurred_at, id
        """,
        [org_id, ids_literal(lead_ids), now - min(within, HORIZON)],
    )
    return cursor


def _touches_by_lead(cursor: CursorWrapper) -> dict[int, list]:
    found: dict[int, list] = {}
    with cursor:
        for lead_id, kind, at, asset_id in cursor.fetchall():
            found.setdefault(lead_id, []).append(ContentTouch(kind, at, asset_id))
    return found


class LeadToEvaluate(NamedTuple):
    id: int
    status: str
    qualified_by_hand: bool
    fit_score: int | None
    facts: LeadFacts


def leads_to_evaluate(
    *, org_id: int, lead_ids: list[int], now, touches_within: timedelta | None
) -> list[LeadToEvaluate]:
    """These leads as the evaluation takes them, in id order: status, fit, facts and the touches of
    the last `touches_within` (none if None). The facts carry the lead's kept-current engagement
    score, so touches older than any rule looks at (the criteria's touch_window) change nothing."""
    leads = connection.cursor()
    # The facts' columns in LeadFacts' order: each lead's facts are made from its row positionally.
    leads.execute(
        """
        SELECT id, status, qualified_by_id IS NOT NULL, fit_score, engagement_score, country, region, employees,
            annual_revenue, industry, buying_authority, budget, timeline, pain_points
        FROM leads_lead WHERE org_id = %s AND id = ANY(%s::bigint[]) ORDER BY id
        """,
        [org_id, ids_literal(lead_ids)],
    )
    # Sent before the leads' rows are read: in pipeline mode both queries go out together.
    touches = None if touches_within is None else _send_touches(org_id, lead_ids, now, touches_within)
    with leads:
        rows = leads.fetchall()
    by_lead = {} if touches is None else _touches_by_lead(touches)
    return [
        LeadToEvaluate(
            lead_id, status, by_hand, fit,
            LeadFacts(country, region, employees, revenue, industry, authority, budget, timeline, tuple(pains),
                      tuple(by_lead.get(lead_id, ())), engagement),
        )
        for (lead_id, status, by_hand, fit, engagement, country, region, employees, revenue, industry, authority,
             budget, timeline, pains) in rows
    ]  # fmt: skip


def evaluate_lead_now(lead: Lead):
    """(active version, its evaluation of the lead today), or (None, None) without an active version."""
    from leads.scoring import LeadFacts, evaluate

    version = active_criteria_version(org_id=lead.org_id)
    if version is None:
        return None, None
    now = timezone.now()
    criteria = criteria_of(version)
    row = Lead.objects.filter(pk=lead.pk).values("engagement_score", *QUALIFICATION_FACTS).get()
    touches = (
        touches_of(org_id=lead.org_id, lead_ids=[lead.pk], now=now).get(lead.pk, ()) if needs_touches(criteria) else ()
    )
    return version, evaluate(criteria, LeadFacts.from_row(row, touches), now, asset_topics=asset_topics_of(lead.org_id))


def criteria_history(member: Membership) -> QuerySet[CriteriaVersion]:
    """Every version of the organization, newest first, with who signed it."""
    return criteria_versions_visible_to(member).prefetch_related("signatures__member__user")


def asset_choices(member: Membership) -> list[tuple[int, str]]:
    """The organization's content for a picker, by title."""
    return list(ContentAsset.objects.filter(org_id=member.org_id).order_by("title", "id").values_list("id", "title"))


# The hand-off (SPEC section 4): the sales team, the inbox, the brief, the returned queue, routing.

WITH_SALES = (Lead.Status.HANDED_OFF, Lead.Status.ACCEPTED, Lead.Status.WORKING, Lead.Status.OPPORTUNITY)


def sales_team(member: Membership) -> list[Membership]:
    """The organization's active sales reps and sales managers, by name, each with `open_leads`:
    how many leads sales holds for them now (what a rep's capacity counts)."""
    return list(
        active_members(org=member.org, roles=[Role.SALES_REP, Role.SALES_MANAGER]).annotate(
            open_leads=Count("owned_leads", filter=Q(owned_leads__status__in=WITH_SALES))
        )
    )


def _last_handoff(field: str) -> Subquery:
    latest = HandOff.objects.filter(org_id=OuterRef("org_id"), lead=OuterRef("pk")).order_by("-handed_off_at", "-id")
    return Subquery(latest.values(field)[:1])


def briefs_visible_to(member: Membership) -> QuerySet[Lead]:
    """Leads whose hand-off brief the member may open: a rep sees the leads they hold, and the ones
    last handed to them (a lead they returned stays theirs to rate); managers see the organization's."""
    if member.role != Role.SALES_REP:
        return leads_visible_to(member)
    return (
        Lead.objects.filter(org_id=member.org_id)
        .alias(last_rep=_last_handoff("rep_id"))
        .filter(Q(owner=member) | Q(last_rep=member.pk))
    )


def current_handoff(lead: Lead) -> HandOff | None:
    """The lead's latest hand-off, with who made it and who got it."""
    handoffs = HandOff.objects.filter(org_id=lead.org_id, lead=lead).select_related("rep__user", "by__user")
    return handoffs.order_by("-handed_off_at", "-id").first()


INBOX_ROW_FIELDS = (
    "id", "first_name", "last_name", "email", "external_id", "company_name", "status", "fit_score",
    "engagement_score", "handed_off_at", "accepted_at", "first_touch_at", "updated_at", "owner_id",
    "owner__user__full_name",
)  # fmt: skip


def _inbox_leads(member: Membership, owner: int | None) -> QuerySet[Lead]:
    leads = leads_visible_to(member).filter(status__in=WITH_SALES)
    if owner is not None:
        leads = leads.filter(owner_id=owner)
    return leads


def rep_inbox(member: Membership, *, owner: int | None = None) -> QuerySet:
    """What sales works on: a rep's own leads, a manager's whole team (or one owner's). Hand-offs
    awaiting an answer come first, longest waiting first; then accepted, working and opportunity
    leads, most recently changed first. Rows are dicts of INBOX_ROW_FIELDS."""
    awaiting = Q(status=Lead.Status.HANDED_OFF)
    return (
        _inbox_leads(member, owner)
        .annotate(
            waiting=Case(When(awaiting, then=Value(0)), default=Value(1), output_field=IntegerField()),
            waiting_since=Case(When(awaiting, then=F("handed_off_at")), default=None, output_field=DateTimeField()),
        )
        .order_by("waiting", F("waiting_since").asc(nulls_last=True), "-updated_at", "-id")
        .values(*INBOX_ROW_FIELDS)
    )


def inbox_counts(member: Membership, *, owner: int | None = None) -> dict[str, int]:
    """{"awaiting": hand-offs to answer, "working": accepted, working and opportunity leads}, one query."""
    return _inbox_leads(member, owner).aggregate(
        awaiting=Count("id", filter=Q(status=Lead.Status.HANDED_OFF)),
        working=Count("id", filter=~Q(status=Lead.Status.HANDED_OFF)),
    )


def returned_by_sales(member: Membership) -> QuerySet:
    """Leads sales returned to marketing, newest return first, with the reason, the note and who returned them."""
    returns = LeadStatusChange.objects.filter(
        org_id=OuterRef("org_id"), lead=OuterRef("pk"), to_status=Lead.Status.RECYCLED
    ).order_by("-at", "-id")
    return (
        leads_visible_to(member)
        .filter(status=Lead.Status.RECYCLED)
        .annotate(
            reject_reason=_last_handoff("reject_reason"),
            reject_note=_last_handoff("reject_note"),
            returned_by=Subquery(returns.values("by__user__full_name")[:1]),
        )
        .order_by(F("rejected_at").desc(nulls_last=True), "-id")
        .values(*LEAD_ROW_FIELDS, "rejected_at", "reject_reason", "reject_note", "returned_by")
    )


def lead_status_changes(lead: Lead) -> list[LeadStatusChange]:
    """Every step of the lead's life, oldest first, with who made it."""
    changes = LeadStatusChange.objects.filter(org_id=lead.org_id, lead=lead).select_related("by__user")
    return list(changes.order_by("at", "id"))


def handoffs_of(lead: Lead) -> list[HandOff]:
    handoffs = HandOff.objects.filter(org_id=lead.org_id, lead=lead).select_related("rep__user", "by__user")
    return list(handoffs.order_by("handed_off_at", "id"))


def routing_rules_visible_to(member: Membership) -> QuerySet[RoutingRule]:
    """The organization's territories in the order routing tries them, with their reps."""
    reps = RoutingRuleRep.objects.select_related("member__user").order_by("member__user__full_name")
    return (
        RoutingRule.objects.filter(org_id=member.org_id)
        .prefetch_related(Prefetch("reps", queryset=reps))
        .order_by("position", "id")
    )
