"""Reads of people, organizations, tokens and the audit log, each scoped to the asking member."""

from functools import cache

from django.db import connection
from django.db.models import QuerySet

from accounts.models import (
    ApiToken,
    AuditEvent,
    Holiday,
    Membership,
    Notification,
    NotificationPreference,
    Organization,
    User,
    normalize_email,
)
from accounts.roles import Capability, Role
from smarketing import joined_rows


def memberships_of(user: User) -> list[Membership]:
    """The user's active memberships, oldest first, with their organizations: one query serves the
    page and its org switcher."""
    memberships = signed_in_memberships(user_id=user.pk)
    for membership in memberships:
        membership.user = user
    return memberships


def current_membership(
    *, user: User, org_id: int | None, memberships: list[Membership] | None = None
) -> Membership | None:
    """The active membership the user works in: the organization picked last, else the first one."""
    memberships = memberships_of(user) if memberships is None else memberships
    chosen = next((m for m in memberships if m.org_id == org_id), None) if org_id is not None else None
    return chosen or (memberships[0] if memberships else None)


def members_visible_to(member: Membership) -> QuerySet[Membership]:
    """Every membership of the member's organization, former members included."""
    return Membership.objects.filter(org_id=member.org_id).select_related("user").order_by("user__full_name", "id")


def active_members(*, org: Organization, roles: list[str] | None = None) -> QuerySet[Membership]:
    members = Membership.objects.filter(org=org, is_active=True, user__is_active=True).select_related("user")
    if roles is not None:
        members = members.filter(role__in=roles)
    return members.order_by("user__full_name", "id")


def active_admin_count(*, org: Organization) -> int:
    return active_members(org=org, roles=[Role.ADMIN]).count()


def api_tokens_visible_to(member: Membership) -> QuerySet[ApiToken]:
    """Admins see every token of the organization; everyone else sees their own."""
    tokens = ApiToken.objects.filter(org_id=member.org_id).select_related("member__user")
    if not member.can(Capability.MANAGE_ALL_API_TOKENS):
        tokens = tokens.filter(member=member)
    return tokens


def token_members_for(member: Membership) -> QuerySet[Membership]:
    """Whom a member may create tokens for: themselves, and for an admin also integration members."""
    members = active_members(org=member.org)
    if member.can(Capability.MANAGE_ALL_API_TOKENS):
        return members.filter(pk=member.pk) | members.filter(user__is_integration=True)
    return members.filter(pk=member.pk)


def find_api_token(*, public_id: str) -> ApiToken | None:
    """The unrevoked token with this id, its member, the member's person and organization: one row,
    read on every API call by one plain query (smarketing.joined_rows)."""
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [public_id])
        row = cursor.fetchone()
    if row is None:
        return None
    token, member, user, org = joined_rows.instances(row, _TOKEN_PARTS)
    member.user, member.org = user, org
    token.member = member
    # One join less: a token's organization is its member's (the query checks they agree).
    token.org = org
    return token


_TOKEN_PARTS = (("t", ApiToken), ("m", Membership), ("u", User), ("o", Organization))


@cache
def _token_sql() -> str:
    # Table and column names come from the models' own metadata; the token id is a parameter.
    return f"""
        SELECT {joined_rows.columns(_TOKEN_PARTS)}
        FROM accounts_apitoken AS t JOIN accounts_membership AS m ON m.id = t.member_id
        JOIN accounts_user AS u ON u.id = m.user_id JOIN accounts_organization AS o ON o.id = m.org_id
        WHERE t.public_id = %s AND t.revoked_at IS NULL AND t.org_id = m.org_id LIMIT 1
    """  # noqa: S608


def signed_in_memberships(*, user_id: int) -> list[Membership]:
    """The user's active memberships, oldest first, with their organizations, read together with
    the user's own row by one plain query (every signed-in page view needs both); each membership
    holds the same user object. Empty for a user with no active membership, or who is not active."""
    with connection.cursor() as cursor:
        cursor.execute(_signed_in_sql(), [user_id])
        rows = cursor.fetchall()
    memberships = []
    for row in rows:
        membership, user, org = joined_rows.instances(row, _MEMBER_PARTS)
        membership.user = memberships[0].user if memberships else user
        membership.org = org
        memberships.append(membership)
    return memberships


_MEMBER_PARTS = (("m", Membership), ("u", User), ("o", Organization))


@cache
def _signed_in_sql() -> str:
    return f"""
        SELECT {joined_rows.columns(_MEMBER_PARTS)}
        FROM accounts_membership AS m JOIN accounts_user AS u ON u.id = m.user_id
        JOIN accounts_organization AS o ON o.id = m.org_id
        WHERE m.user_id = %s AND m.is_active AND u.is_active ORDER BY m.joined_at, m.id
    """  # noqa: S608


def audit_events_visible_to(member: Membership, *, kind: str | None = None) -> QuerySet[AuditEvent]:
    if not member.can(Capability.VIEW_AUDIT_LOG):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.filter(org_id=member.org_id).select_related("actor")
    return events.filter(kind=kind) if kind else events


def holidays_of(org: Organization) -> QuerySet[Holiday]:
    return Holiday.objects.filter(org=org).order_by("date")


def user_by_email(email: str) -> User | None:
    return User.objects.filter(email=normalize_email(email)).first()


def active_member_by_email(*, org_slug: str, email: str) -> Membership | None:
    return (
        Membership.objects.select_related("org", "user")
        .filter(org__slug=org_slug, user__email=normalize_email(email), is_active=True, user__is_active=True)
        .first()
    )


def all_organization_ids() -> list[int]:
    """For periodic jobs that visit every tenant, one at a time."""
    return list(Organization.objects.order_by("id").values_list("id", flat=True))


def notifications_of(member: Membership) -> QuerySet[Notification]:
    """The member's notices, latest first (a grouped notice moves up when it grows)."""
    return Notification.objects.filter(org_id=member.org_id, recipient=member).order_by("-updated_at", "-id")


def unread_count(member: Membership) -> int:
    """How many of the member's notices are unread: what the bell shows (read from a partial index)."""
    return Notification.objects.filter(org_id=member.org_id, recipient=member, read_at__isnull=True).count()


def email_preferences_of(member: Membership) -> list[tuple[str, str, bool]]:
    """(kind, label, also by e-mail) for every kind of notice; e-mail is on unless the member turned it off."""
    chosen = dict(
        NotificationPreference.objects.filter(org_id=member.org_id, member=member).values_list("kind", "email")
    )
    return [(kind, label, chosen.get(kind, True)) for kind, label in Notification.Kind.choices]
