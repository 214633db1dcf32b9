"""What the dashboard's filters offer: the organization's campaigns, sources, sales people and
territories, read from lookup tables and the snapshots (never from the leads)."""

import json

from django.core.cache import caches
from django.db import connection

from accounts.models import Membership
from accounts.roles import Side
from leads.models import Campaign, RoutingRule

SOURCES_FOR = 600  # seconds: a new source shows in the filter within ten minutes


def campaign_choices(member: Membership) -> list[tuple[int, str]]:
    return list(Campaign.objects.filter(org_id=member.org_id).order_by("name", "id").values_list("id", "name"))


def source_choices(member: Membership) -> list[str]:
    """The sources the snapshots know, kept a few minutes in each process: listing them reads every
    snapshot row of the organization, and the filter is on every view of the dashboard."""

    def distinct_sources() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT source FROM feedback_funnelday WHERE org_id = %s AND source <> '' ORDER BY 1",
                [member.org_id],
            )
            return [source for (source,) in cursor.fetchall()]

    return caches["local"].get_or_set(f"dashboard-sources:{member.org_id}", distinct_sources, SOURCES_FOR)


def rep_choices(member: Membership) -> list[tuple[int, str]]:
    """The organization's sales people, former ones too (their figures stay), by name."""
    people = Membership.objects.filter(org_id=member.org_id, side=Side.SALES).select_related("user")
    return [
        (m.pk, f"{m.user.full_name or m.user.email}{'' if m.is_active else ' (former)'}")
        for m in people.order_by("-is_active", "user__full_name", "id")
    ]


def team_choices(member: Membership) -> list[tuple[int, str]]:
    """Sales territories: the routing rules, each a team of reps."""
    return list(RoutingRule.objects.filter(org_id=member.org_id).order_by("position", "id").values_list("id", "name"))


# The campaigns, the sales people and the territories in one round trip, ordered and labelled as the
# functions above do: the dashboard's filters need all three on every view.
CHOICES = """
SELECT
    (SELECT COALESCE(json_agg(json_build_array(c.id, c.name) ORDER BY c.name, c.id), '[]')
     FROM leads_campaign AS c WHERE c.org_id = %(org)s),
    (SELECT COALESCE(json_agg(json_build_array(
                m.id, COALESCE(NULLIF(u.full_name, ''), u.email) || CASE WHEN m.is_active THEN '' ELSE ' (former)' END
            ) ORDER BY m.is_active DESC, u.full_name, m.id), '[]')
     FROM accounts_membership AS m JOIN accounts_user AS u ON u.id = m.user_id
     WHERE m.org_id = %(org)s AND m.side = %(sales)s),
    (SELECT COALESCE(json_agg(json_build_array(r.id, r.name) ORDER BY r.position, r.id), '[]')
     FROM leads_routingrule AS r WHERE r.org_id = %(org)s)
"""


def filter_choices(member: Membership) -> dict[str, list[tuple[int, str]]]:
    """campaign_choices, rep_choices and team_choices of the member's organization, read at once."""
    with connection.cursor() as cursor:
        cursor.execute(CHOICES, {"org": member.org_id, "sales": Side.SALES})
        row = cursor.fetchone()
    return {
        name: [(key, label) for key, label in (json.loads(value) if isinstance(value, str) else value)]
        for name, value in zip(("campaign", "rep", "team"), row, strict=True)
    }
