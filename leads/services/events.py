"""Recording engagement events in batches: resolve leads and assets in one query each, insert once.

An event with an external id is stored once per organization, whoever sends it again and however
often: the unique constraint decides, so redeliveries and concurrent senders cannot double it.
"""

import json

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organization
from leads.batch import BatchResult, ItemResult, Outcome
from leads.models import ContentAsset, EngagementEvent, Lead
from leads.services.qualification import nudge_evaluation
from leads.validation import EventInput, clean_event


def record_engagement_events(*, org: Organization, items: list) -> BatchResult:
    now = timezone.now()
    results: dict[int, ItemResult] = {}
    events: dict[int, EventInput] = {}
    for index, raw in enumerate(items):
        cleaned, errors = clean_event(raw, now)
        if errors:
            results[index] = ItemResult(index, Outcome.ERROR, errors=errors)
        else:
            events[index] = cleaned
    if events:
        with transaction.atomic():
            lead_ids = _resolve_leads(org, events, results)
            asset_ids = _resolve_assets(org, events, results)
            ready = {i: e for i, e in events.items() if i not in results}
            _insert(org, ready, lead_ids, asset_ids, results, now)
    return BatchResult([results[i] for i in sorted(results)])


def _resolve_leads(org: Organization, events: dict[int, EventInput], results: dict) -> dict[int, int]:
    ids = {e.lead_id for e in events.values() if e.lead_id}
    external_ids = {e.lead_external_id for e in events.values() if e.lead_external_id}
    emails = {e.lead_email for e in events.values() if e.lead_email}
    rows = Lead.objects.filter(org=org).filter(Q(pk__in=ids) | Q(external_id__in=external_ids) | Q(email__in=emails))
    by_id, by_external_id, by_email = set(), {}, {}
    for lead_id, external_id, email in rows.values_list("id", "external_id", "email"):
        by_id.add(lead_id)
        if external_id:
            by_external_id[external_id] = lead_id
        if email:
            by_email[email] = lead_id
    found = {}
    for index, event in events.items():
        if event.lead_id:
            lead_id, field, label = (event.lead_id if event.lead_id in by_id else None), "lead", f"id {event.lead_id}"
        elif event.lead_external_id:
            lead_id, field = by_external_id.get(event.lead_external_id), "lead_external_id"
            label = f"external id “{event.lead_external_id}”"
        else:
            lead_id, field, label = by_email.get(event.lead_email), "lead_email", event.lead_email
        if lead_id is None:
            message = f"No lead with {label} in your organization."
            results[index] = ItemResult(index, Outcome.ERROR, errors={field: [message]})
        else:
            found[index] = lead_id
    return found


def _resolve_assets(org: Organization, events: dict[int, EventInput], results: dict) -> dict[int, int | None]:
    ids = {e.asset_id for e in events.values() if e.asset_id}
    external_ids = {e.asset_external_id for e in events.values() if e.asset_external_id}
    if not ids and not external_ids:
        return {}
    rows = ContentAsset.objects.filter(org=org).filter(Q(pk__in=ids) | Q(external_id__in=external_ids))
    by_id, by_external_id = set(), {}
    for asset_id, external_id in rows.values_list("id", "external_id"):
        by_id.add(asset_id)
        if external_id:
            by_external_id[external_id] = asset_id
    # Unknown assets named with a title are created, once each, as the client describes them.
    to_create = {}
    for event in events.values():
        if event.asset_external_id and event.asset_external_id not in by_external_id and event.asset_title:
            to_create.setdefault(event.asset_external_id, event)
    if to_create:
        by_external_id |= _create_assets(org, to_create)
    found = {}
    for index, event in events.items():
        if event.asset_id:
            if event.asset_id not in by_id:
                message = f"No content asset {event.asset_id} in your organization."
                results.setdefault(index, ItemResult(index, Outcome.ERROR, errors={"asset": [message]}))
            found[index] = event.asset_id
        elif event.asset_external_id:
            if event.asset_external_id not in by_external_id:
                message = (
                    f"No content asset with external id “{event.asset_external_id}”: "
                    "send asset_title (and asset_url, asset_kind) to create it."
                )
                results.setdefault(index, ItemResult(index, Outcome.ERROR, errors={"asset_external_id": [message]}))
            found[index] = by_external_id.get(event.asset_external_id)
    return found


def _create_assets(org: Organization, to_create: dict[str, EventInput]) -> dict[str, int]:
    external_ids = sorted(to_create)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO leads_contentasset (org_id, external_id, title, url, kind, topics, created_at)
            SELECT %s, v.external_id, v.title, v.url, v.kind, '{}', %s
            FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[])
                 WITH ORDINALITY AS v(external_id, title, url, kind, ord)
            ORDER BY v.ord
            ON CONFLICT DO NOTHING
            """,
            [
                org.pk, timezone.now(), external_ids,
                [to_create[x].asset_title for x in external_ids],
                [to_create[x].asset_url for x in external_ids],
                [to_create[x].asset_kind or ContentAsset.Kind.OTHER for x in external_ids],
            ],
        )  # fmt: skip
    rows = ContentAsset.objects.filter(org=org, external_id__in=external_ids)
    return dict(rows.values_list("external_id", "id"))


def _insert(org, ready: dict[int, EventInput], lead_ids, asset_ids, results: dict, now) -> None:
    """One statement: draw ids, insert what is new, note its leads for rescoring, say what went in."""
    if not ready:
        return
    # Within the batch, a repeated external id is a duplicate of its first appearance.
    first_of: dict[str, int] = {}
    repeats: dict[int, str] = {}
    rows = []
    for index in sorted(ready):
        event = ready[index]
        if event.external_id and event.external_id in first_of:
            repeats[index] = event.external_id
            continue
        if event.external_id:
            first_of[event.external_id] = index
        rows.append(index)
    payload = json.dumps([
        {"ord": n, "lead_id": lead_ids[i], "asset_id": asset_ids.get(i), "kind": ready[i].kind,
         "occurred_at": ready[i].occurred_at.isoformat(), "source": ready[i].source,
         "external_id": ready[i].external_id, "metadata": ready[i].metadata}
        for n, i in enumerate(rows)
    ])  # fmt: skip
    with connection.cursor() as cursor:
        # The leads are noted in id order, so batches naming the same leads wait on each other in
        # one order; the ids are drawn first, so the answer says exactly which items went in.
        cursor.execute(
            """
            WITH v AS (
                SELECT nextval(pg_get_serial_sequence('leads_engagementevent', 'id')) AS id, r.*
                FROM jsonb_to_recordset(%s::jsonb) AS r(ord int, lead_id bigint, asset_id bigint, kind text,
                    occurred_at timestamptz, source text, external_id text, metadata jsonb)
            ), ins AS (
                INSERT INTO leads_engagementevent
                    (id, org_id, lead_id, asset_id, kind, occurred_at, source, external_id, metadata, received_at)
                SELECT id, %s, lead_id, asset_id, kind, occurred_at, source, external_id, metadata, %s
                FROM v ORDER BY ord
                ON CONFLICT DO NOTHING
                RETURNING id, lead_id
            ), noted AS (
                INSERT INTO leads_pendingevaluation (org_id, lead_id, since, engaged)
                SELECT %s, lead_id, %s, true FROM (SELECT DISTINCT lead_id FROM ins) AS touched ORDER BY lead_id
                ON CONFLICT (org_id, lead_id) DO UPDATE SET engaged = true WHERE NOT leads_pendingevaluation.engaged
            )
            SELECT v.id, ins.id IS NOT NULL FROM v LEFT JOIN ins ON ins.id = v.id ORDER BY v.ord
            """,
            [payload, org.pk, now, org.pk, now],
        )
        outcomes = cursor.fetchall()
    skipped = [index for index, (_, inserted) in zip(rows, outcomes, strict=True) if not inserted]
    stored = _stored_ids(org, [ready[i].external_id for i in skipped]) if skipped else {}
    for index, (event_id, inserted) in zip(rows, outcomes, strict=True):
        if inserted:
            results[index] = ItemResult(index, Outcome.CREATED, id=event_id)
        else:
            results[index] = ItemResult(index, Outcome.DUPLICATE, id=stored.get(ready[index].external_id))
    for index, external_id in repeats.items():
        original = results[first_of[external_id]]
        results[index] = ItemResult(index, Outcome.DUPLICATE, id=original.id)
    if len(skipped) < len(rows):
        nudge_evaluation(org_id=org.pk)


def _stored_ids(org: Organization, external_ids: list[str]) -> dict[str, int]:
    rows = EngagementEvent.objects.filter(org=org, external_id__in=external_ids)
    return dict(rows.values_list("external_id", "id"))
