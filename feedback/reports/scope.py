"""Whose data a meeting pack shows, written once for every report query.

Every query filters on the asking member's organization. A sales rep sees the leads that were
handed to them (their own voice, their own deals, hand-offs made to them); marketers, managers and
admins see the whole organization. An optional campaign narrows the leads further.
"""

from dataclasses import dataclass

from django.db import connection

from accounts.models import Membership
from accounts.roles import Role

HANDED_TO_REP = "SELECT lead_id FROM leads_handoff WHERE org_id = %(org)s AND rep_id = %(rep)s"
OF_CAMPAIGN = "SELECT id FROM leads_lead WHERE org_id = %(org)s AND campaign_id = %(campaign)s"


@dataclass(frozen=True)
class Scope:
    org_id: int
    zone: str
    rep_id: int | None = None
    campaign_id: int | None = None

    @property
    def params(self) -> dict:
        return {"org": self.org_id, "tz": self.zone, "rep": self.rep_id, "campaign": self.campaign_id}

    def leads(self, column: str) -> str:
        """SQL (starting with AND) keeping the rows whose lead `column` is in scope. `column` comes
        from code; the values travel as parameters."""
        sql = ""
        if self.rep_id is not None:
            sql += f" AND {column} IN ({HANDED_TO_REP})"
        if self.campaign_id is not None:
            sql += f" AND {column} IN ({OF_CAMPAIGN})"
        return sql

    def handoffs(self, alias: str) -> str:
        """SQL (starting with AND) keeping the hand-offs (table aliased `alias`) in scope."""
        sql = f" AND {alias}.rep_id = %(rep)s" if self.rep_id is not None else ""
        if self.campaign_id is not None:
            sql += f" AND {alias}.lead_id IN ({OF_CAMPAIGN})"
        return sql


def scope_of(member: Membership, *, campaign_id: int | None = None) -> Scope:
    rep = member.pk if member.role == Role.SALES_REP else None
    return Scope(org_id=member.org_id, zone=member.org.time_zone, rep_id=rep, campaign_id=campaign_id)


def fetch(sql: str, params: dict) -> list[tuple]:
    """One aggregate statement, its rows. Table and column names in `sql` come from code, never input."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
