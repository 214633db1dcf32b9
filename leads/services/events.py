"""Recording engagement events in batches: one statement resolves leads and assets, inserts and notes.

An event with an external id is stored once per organization, whoever sends it again and however
often: the unique constraint decides, so redeliveries and concurrent senders cannot double it.
"""

import json

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Organization
from leads.batch import BatchResult, ItemResult, Outcome
from leads.models import ContentAsset, EngagementEvent
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
        titled = {e.asset_external_id: e for e in events.values() if e.asset_external_id and e.asset_title}
        if titled:
            # The assets created here and the events naming them commit together.
            with transaction.atomic():
                _create_assets(org, titled)
                _insert(org, events, results, now)
        else:
            # One statement resolves, inserts and notes: atomic on its own, one round trip.
            _insert(org, events, results, now)
    return BatchResult([results[i] for i in sorted(results)])


def _create_assets(org: Organization, to_create: dict[str, EventInput]) -> None:
    """Unknown assets named with a title are created, once each, as the client describes them."""
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


# Leads and assets are looked up by whichever key the event names, each through the organization's
# own unique index (the blank-key conditions let the partial indexes serve). Events whose lead or
# asset is not found are not drawn an id; the rest are inserted in item order, so a repeated
# external id within the batch is skipped as a duplicate of its first appearance.
# A lead already noted as engaged keeps its note under a shared lock: concurrent batches naming the
# same leads do not queue behind each other, while an evaluation job cannot claim (delete) the note
# until this commits; if one claimed it first, the lock waits for it and the lead is noted anew.
# The notes are found lead by lead (LATERAL, through the unique index): scanning the organization's
# notes would make every batch slower the longer the evaluation job lags behind.
# Every batch with new events nudges the evaluation job once it commits, so a job sees these
# events (see nudge_evaluation). New notes go in lead id order, so batches naming the same new
# leads wait on each other in one order.
_INSERT_SQL = """
WITH v AS (
    SELECT r.*,
        COALESCE(by_id.id, by_external_id.id, by_email.id) AS found_lead,
        COALESCE(asset_by_id.id, asset_by_external_id.id) AS found_asset
    FROM jsonb_to_recordset(%(items)s::jsonb) AS r(ord int, lead_id bigint, lead_external_id text, lead_email text,
        asset_id bigint, asset_external_id text, kind text, occurred_at timestamptz, source text, external_id text,
        metadata jsonb)
    LEFT JOIN leads_lead AS by_id ON by_id.org_id = %(org)s AND by_id.id = r.lead_id
    LEFT JOIN leads_lead AS by_external_id ON by_external_id.org_id = %(org)s
        AND by_external_id.external_id = r.lead_external_id AND by_external_id.external_id <> ''
    LEFT JOIN leads_lead AS by_email ON by_email.org_id = %(org)s
        AND by_email.email = r.lead_email AND by_email.email <> ''
    LEFT JOIN leads_contentasset AS asset_by_id ON asset_by_id.org_id = %(org)s AND asset_by_id.id = r.asset_id
    LEFT JOIN leads_contentasset AS asset_by_external_id ON asset_by_external_id.org_id = %(org)s
        AND asset_by_external_id.external_id = r.asset_external_id AND asset_by_external_id.external_id <> ''
), drawn AS (
    SELECT nextval(pg_get_serial_sequence('leads_engagementevent', 'id')) AS id, v.*
    FROM v
    WHERE found_lead IS NOT NULL AND (found_asset IS NOT NULL OR (asset_id IS NULL AND asset_external_id IS NULL))
), ins AS (
    INSERT INTO leads_engagementevent
        (id, org_id, lead_id, asset_id, kind, occurred_at, source, external_id, metadata, received_at)
    SELECT id, %(org)s, found_lead, found_asset, kind, occurred_at, source, external_id, metadata, %(now)s
    FROM drawn ORDER BY ord
    ON CONFLICT DO NOTHING
    RETURNING id, lead_id
), kept AS (
    SELECT note.lead_id FROM (SELECT DISTINCT lead_id FROM ins) AS touched, LATERAL (
        SELECT n.lead_id FROM leads_pendingevaluation AS n
        WHERE n.org_id = %(org)s AND n.lead_id = touched.lead_id AND n.engaged
        FOR KEY SHARE
    ) AS note
), noted AS (
    INSERT INTO leads_pendingevaluation (org_id, lead_id, since, engaged)
    SELECT %(org)s, lead_id, %(now)s, true FROM (SELECT DISTINCT lead_id FROM ins) AS touched
    WHERE lead_id NOT IN (SELECT lead_id FROM kept)
    ORDER BY lead_id
    ON CONFLICT (org_id, lead_id) DO UPDATE SET engaged = true WHERE NOT leads_pendingevaluation.engaged
)
SELECT v.ord, v.found_lead IS NOT NULL, drawn.id, ins.id IS NOT NULL, stored.id
FROM v
LEFT JOIN drawn ON drawn.ord = v.ord
LEFT JOIN ins ON ins.id = drawn.id
LEFT JOIN leads_engagementevent AS stored ON ins.id IS NULL AND drawn.id IS NOT NULL AND stored.org_id = %(org)s
    AND stored.external_id = drawn.external_id AND stored.external_id <> ''
ORDER BY v.ord
"""


def _insert(org: Organization, events: dict[int, EventInput], results: dict, now) -> None:
    order = sorted(events)
    payload = json.dumps([
        {"ord": n, "lead_id": e.lead_id, "lead_external_id": e.lead_external_id or None,
         "lead_email": e.lead_email or None, "asset_id": e.asset_id, "asset_external_id": e.asset_external_id or None,
         "kind": e.kind, "occurred_at": e.occurred_at.isoformat(), "source": e.source, "external_id": e.external_id,
         "metadata": e.metadata}
        for n, e in enumerate(events[i] for i in order)
    ])  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, {"items": payload, "org": org.pk, "now": now})
        rows = cursor.fetchall()
    inserted_by_external_id: dict[str, int] = {}
    unresolved: list[int] = []
    for ord_, lead_found, event_id, inserted, stored_id in rows:
        index = order[ord_]
        event = events[index]
        if not lead_found:
            results[index] = ItemResult(index, Outcome.ERROR, errors=_unknown_lead(event))
        elif event_id is None:
            results[index] = ItemResult(index, Outcome.ERROR, errors=_unknown_asset(event))
        elif inserted:
            results[index] = ItemResult(index, Outcome.CREATED, id=event_id)
            if event.external_id:
                inserted_by_external_id[event.external_id] = event_id
        else:
            # Stored before (read in the statement's snapshot), earlier in this batch, or by a
            # concurrent batch that committed while this one ran (read once more below).
            known = stored_id or inserted_by_external_id.get(event.external_id)
            results[index] = ItemResult(index, Outcome.DUPLICATE, id=known)
            if known is None:
                unresolved.append(index)
    if unresolved:
        stored = _stored_ids(org, [events[i].external_id for i in unresolved])
        for index in unresolved:
            results[index].id = stored.get(events[index].external_id)
    if any(results[i].status == Outcome.CREATED for i in order):
        nudge_evaluation(org_id=org.pk)


def _unknown_lead(event: EventInput) -> dict[str, list[str]]:
    if event.lead_id:
        field, label = "lead", f"id {event.lead_id}"
    elif event.lead_external_id:
        field, label = "lead_external_id", f"external id “{event.lead_external_id}”"
    else:
        field, label = "lead_email", event.lead_email
    return {field: [f"No lead with {label} in your organization."]}


def _unknown_asset(event: EventInput) -> dict[str, list[str]]:
    if event.asset_id:
        return {"asset": [f"No content asset {event.asset_id} in your organization."]}
    message = (
        f"No content asset with external id “{event.asset_external_id}”: "
        "send asset_title (and asset_url, asset_kind) to create it."
    )
    return {"asset_external_id": [message]}


def _stored_ids(org: Organization, external_ids: list[str]) -> dict[str, int]:
    rows = EngagementEvent.objects.filter(org=org, external_id__in=external_ids)
    return dict(rows.values_list("external_id", "id"))
