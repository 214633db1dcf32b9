"""What the dashboard's filters offer: the organization's campaigns, sources, sales people and
territories, read from lookup tables and the snapshots (never from the leads)."""

from django.core.cache import cache
from django.db import connection

from accounts.models import Membership
from accounts.roles import Side
from leads.models import Campaign, RoutingRule

SOURCES_FOR = 600  # seconds: a new source shows in the filter within ten minutes


def campaign_choices(member: Membership) -> list[tuple[int, str]]:
    return list(Campaign.objects.filter(org_id=member.org_id).order_by("name", "id").values_list("id", "name"))


def source_choices(member: Membership) -> list[str]:
    """The sources the snapshots know, cached: listing them reads every snapshot row of the organization."""

    def distinct_sources() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT source FROM feedback_funnelday WHERE org_id = %s AND source <> '' ORDER BY 1",
                [member.org_id],
            )
            return [source for (source,) in cursor.fetchall()]

    return cache.get_or_set(f"dashboard-sources:{member.org_id}", distinct_sources, SOURCES_FOR)


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
