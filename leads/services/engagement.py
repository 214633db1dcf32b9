"""Computing engagement scores from events, for the evaluation jobs (leads.services.qualification)."""

import logging
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from leads.engagement import HORIZON, Touch, engagement_score
from leads.models import EngagementEvent, Lead

logger = logging.getLogger(__name__)
CHUNK = 1000


@transaction.atomic
def rescore_leads(*, org_id: int, lead_ids: list[int], now: datetime | None = None) -> int:
    """Recompute these leads' scores from their events. Returns how many were rescored."""
    now = now or timezone.now()
    # NO KEY UPDATE: does not wait for the key-share locks that inserting events takes on their leads.
    locked = Lead.objects.select_for_update(no_key=True).filter(org_id=org_id, pk__in=lead_ids)
    ids = list(locked.order_by("id").values_list("id", flat=True))
    if not ids:
        return 0
    touches: dict[int, list[Touch]] = {lead_id: [] for lead_id in ids}
    events = EngagementEvent.objects.filter(org_id=org_id, lead_id__in=ids, occurred_at__gte=now - HORIZON)
    for lead_id, kind, occurred_at in events.values_list("lead_id", "kind", "occurred_at"):
        touches[lead_id].append(Touch(kind, occurred_at))
    scores = [engagement_score(touches[lead_id], now) for lead_id in ids]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE leads_lead AS l SET engagement_score = v.score, engagement_scored_at = %s
            FROM unnest(%s::bigint[], %s::float8[]) AS v(id, score)
            WHERE l.id = v.id AND l.org_id = %s
            """,
            [now, ids, scores, org_id],
        )
    return len(ids)


def refresh_engagement_scores(*, org_id: int) -> int:
    """Let every score of the organization fade to today: scores decay even without new events."""
    done, after = 0, 0
    while True:
        scored = Lead.objects.filter(org_id=org_id, pk__gt=after, engagement_score__gt=0)
        ids = list(scored.order_by("id").values_list("id", flat=True)[:CHUNK])
        if not ids:
            return done
        done += rescore_leads(org_id=org_id, lead_ids=ids)
        after = ids[-1]
