"""Writes about organizations, people, API tokens and the audit log."""

import logging
from datetime import date, timedelta

from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify

from accounts.models import ApiToken, AuditEvent, Holiday, Membership, Organization, User, normalize_email
from accounts.roles import Capability, Role, Side
from accounts.security import client_ip, hash_secret, new_token_parts, token_string
from accounts.selectors import active_admin_count, token_members_for, user_by_email
from smarketing.errors import Conflict, DomainError, NotAllowed
from smarketing.mail import send_email

logger = logging.getLogger(__name__)
Kind = AuditEvent.Kind


def record_audit_event(
    *,
    kind: str,
    request: HttpRequest | None = None,
    org: Organization | None = None,
    actor: User | None = None,
    actor_label: str = "",
    outcome: str = AuditEvent.Outcome.OK,
    target: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Append one event. Never pass a password, a token or a session key in `details`."""
    return AuditEvent.objects.create(
        org=org,
        actor=actor,
        actor_label=(actor_label or (actor.email if actor else ""))[:254],
        kind=kind,
        outcome=outcome,
        target=target[:254],
        ip_address=client_ip(request) if request is not None else None,
        details=details or {},
    )


def require(member: Membership, capability: Capability) -> None:
    if not member.can(capability):
        raise NotAllowed("Your role does not allow this.")


def free_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_organization(
    *,
    name: str,
    slug: str,
    admin_email: str,
    admin_name: str,
    admin_password: str | None = None,
    admin_side: str = Side.MARKETING,
    time_zone: str = "UTC",
    request: HttpRequest | None = None,
    kind: str = Kind.ORG_CREATED,
) -> Membership:
    """A new tenant with its first admin. An existing user (by e-mail) becomes that admin."""
    try:
        with transaction.atomic():
            org = Organization.objects.create(name=name.strip(), slug=slug, time_zone=time_zone)
    except IntegrityError:
        raise Conflict(f"The address “{slug}” is taken.", code="slug_taken", fields={"slug": ["Taken."]}) from None
    user = user_by_email(admin_email)
    if user is None:
        user = User.objects.create_user(admin_email, admin_password, full_name=admin_name.strip())
    admin = Membership.objects.create(org=org, user=user, role=Role.ADMIN, side=admin_side)
    # Imported here: feedback's services build on these ones.
    from feedback.services import ensure_default_lists

    ensure_default_lists(org=org)
    record_audit_event(kind=kind, request=request, org=org, actor=user, target=org.slug, details={"name": org.name})
    return admin


def invitation_path(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("accounts:invitation", args=[uid, default_token_generator.make_token(user)])


def send_invitation(*, membership: Membership, invited_by: Membership | None) -> None:
    user = membership.user
    context = {
        "org_name": membership.org.name,
        "role": membership.get_role_display(),
        "invited_by": invited_by.name if invited_by else "Smarketing",
        "full_name": user.full_name,
        # A user who already has a password just signs in; a new one sets a password first.
        "link_path": invitation_path(user) if not user.has_usable_password() else reverse("accounts:login"),
        "needs_password": not user.has_usable_password(),
    }
    transaction.on_commit(
        lambda: send_email(to=[user.email], template="invitation", context=context),
        robust=True,
    )


@transaction.atomic
def invite_member(
    *,
    by: Membership,
    email: str,
    full_name: str,
    role: str,
    side: str | None = None,
    request: HttpRequest | None = None,
) -> Membership:
    require(by, Capability.MANAGE_ORGANIZATION)
    email = normalize_email(email)
    user = user_by_email(email)
    if user is not None and user.is_integration:
        raise DomainError("That address belongs to an integration.", fields={"email": ["Use another address."]})
    if user is None:
        user = User.objects.create_user(email, None, full_name=full_name.strip())
    existing = Membership.objects.filter(org=by.org, user=user).first()
    if existing is not None:
        reason = "Already a member." if existing.is_active else "Deactivated earlier: reactivate them in the list."
        raise Conflict(f"{email}: {reason}", code="already_member", fields={"email": [reason]})
    member = Membership.objects.create(
        org=by.org, user=user, role=role, side=Membership.side_for(role, side or by.side)
    )
    record_audit_event(
        kind=Kind.MEMBER_INVITED, request=request, org=by.org, actor=by.user, target=email, details={"role": role}
    )
    send_invitation(membership=member, invited_by=by)
    return member


def resend_invitation(*, by: Membership, member: Membership) -> None:
    require(by, Capability.MANAGE_ORGANIZATION)
    if member.user.has_usable_password() or member.user.is_integration:
        raise Conflict(f"{member.email} has already joined.", code="already_joined")
    send_invitation(membership=member, invited_by=by)


@transaction.atomic
def accept_invitation(*, user: User, full_name: str, password: str, request: HttpRequest | None = None) -> None:
    user.full_name = full_name.strip() or user.full_name
    user.set_password(password)
    user.save(update_fields=["full_name", "password"])
    for member in user.memberships.filter(is_active=True).select_related("org"):
        record_audit_event(kind=Kind.MEMBER_JOINED, request=request, org=member.org, actor=user, target=user.email)


@transaction.atomic
def set_password(
    *, user: User, password: str, kind: str, org: Organization | None = None, request: HttpRequest | None = None
) -> None:
    """A changed or reset password; every other session of the user ends with it."""
    user.set_password(password)
    user.save(update_fields=["password"])
    record_audit_event(kind=kind, request=request, org=org, actor=user, target=user.email)


@transaction.atomic
def add_integration_member(*, by: Membership, name: str, role: str, request: HttpRequest | None = None) -> Membership:
    """A member of its own for a marketing tool or web form: it holds API tokens and never signs in."""
    require(by, Capability.MANAGE_ORGANIZATION)
    if role == Role.ADMIN:
        raise DomainError("An integration cannot be an admin.", fields={"role": ["Pick a working role."]})
    slug = slugify(name)[:40] or "integration"
    n = Membership.objects.filter(org=by.org, user__is_integration=True).count() + 1
    email = f"{slug}-{n}.{by.org.slug}@integrations.invalid"
    user = User.objects.create_user(email, None, full_name=name.strip(), is_integration=True)
    member = Membership.objects.create(org=by.org, user=user, role=role, side=Membership.side_for(role))
    record_audit_event(
        kind=Kind.MEMBER_INVITED,
        request=request,
        org=by.org,
        actor=by.user,
        target=email,
        details={"role": role, "integration": True},
    )
    return member


def _lock_org(org: Organization) -> None:
    # Serializes admin changes within one organization, so two admins demoting each other at the
    # same moment cannot leave it without any admin.
    Organization.objects.select_for_update().filter(pk=org.pk).first()


def _keep_an_admin(member: Membership) -> None:
    if member.role == Role.ADMIN and member.is_active and active_admin_count(org=member.org) <= 1:
        raise Conflict("An organization needs at least one active admin.", code="last_admin")


@transaction.atomic
def change_member_role(
    *, by: Membership, member: Membership, role: str, side: str | None = None, request: HttpRequest | None = None
) -> Membership:
    require(by, Capability.MANAGE_ORGANIZATION)
    if role not in Role.values:
        raise DomainError("Unknown role.", fields={"role": ["Pick one of the roles."]})
    _lock_org(by.org)
    member.refresh_from_db()
    new_side = Membership.side_for(role, side or member.side)
    if (role, new_side) == (member.role, member.side):
        return member
    if role != Role.ADMIN:
        _keep_an_admin(member)
    old = member.role
    member.role, member.side = role, new_side
    member.save(update_fields=["role", "side"])
    record_audit_event(
        kind=Kind.MEMBER_ROLE_CHANGED,
        request=request,
        org=by.org,
        actor=by.user,
        target=member.email,
        details={"from": old, "to": role, "side": new_side},
    )
    return member


@transaction.atomic
def deactivate_member(*, by: Membership, member: Membership, request: HttpRequest | None = None) -> Membership:
    """Ends the member's access at once: their sessions and API tokens stop working on the next request."""
    require(by, Capability.MANAGE_ORGANIZATION)
    _lock_org(by.org)
    member.refresh_from_db()
    if not member.is_active:
        return member
    _keep_an_admin(member)
    member.is_active = False
    member.deactivated_at = timezone.now()
    member.save(update_fields=["is_active", "deactivated_at"])
    record_audit_event(kind=Kind.MEMBER_DEACTIVATED, request=request, org=by.org, actor=by.user, target=member.email)
    return member


@transaction.atomic
def reactivate_member(*, by: Membership, member: Membership, request: HttpRequest | None = None) -> Membership:
    require(by, Capability.MANAGE_ORGANIZATION)
    updated = Membership.objects.filter(pk=member.pk, is_active=False).update(is_active=True, deactivated_at=None)
    if updated:
        record_audit_event(
            kind=Kind.MEMBER_REACTIVATED, request=request, org=by.org, actor=by.user, target=member.email
        )
    member.refresh_from_db()
    return member


ORG_SETTINGS_FIELDS = (
    "name",
    "time_zone",
    "business_days",
    "business_day_start",
    "business_day_end",
    "holiday_country",
)


@transaction.atomic
def update_organization_settings(*, by: Membership, request: HttpRequest | None = None, **values) -> Organization:
    require(by, Capability.MANAGE_ORGANIZATION)
    org = Organization.objects.select_for_update().get(pk=by.org_id)
    changed = {}
    for field in ORG_SETTINGS_FIELDS:
        if field in values and values[field] != getattr(org, field):
            changed[field] = str(values[field])
            setattr(org, field, values[field])
    if changed:
        org.save(update_fields=list(changed))
        record_audit_event(kind=Kind.ORG_SETTINGS_CHANGED, request=request, org=org, actor=by.user, details=changed)
    return org


@transaction.atomic
def add_holiday(*, by: Membership, day: date, name: str, request: HttpRequest | None = None) -> Holiday:
    require(by, Capability.MANAGE_ORGANIZATION)
    holiday, created = Holiday.objects.get_or_create(org=by.org, date=day, defaults={"name": name.strip()})
    if not created:
        raise Conflict(
            f"{day:%d %b %Y} is already a holiday ({holiday.name}).", fields={"date": ["Already a holiday."]}
        )
    record_audit_event(
        kind=Kind.ORG_SETTINGS_CHANGED,
        request=request,
        org=by.org,
        actor=by.user,
        details={"holiday_added": day.isoformat(), "name": holiday.name},
    )
    return holiday


@transaction.atomic
def remove_holiday(*, by: Membership, holiday: Holiday, request: HttpRequest | None = None) -> None:
    require(by, Capability.MANAGE_ORGANIZATION)
    deleted, _ = Holiday.objects.filter(pk=holiday.pk, org=by.org).delete()
    if deleted:
        record_audit_event(
            kind=Kind.ORG_SETTINGS_CHANGED,
            request=request,
            org=by.org,
            actor=by.user,
            details={"holiday_removed": holiday.date.isoformat()},
        )


@transaction.atomic
def create_api_token(
    *, by: Membership, member: Membership, name: str, request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """Returns the token and its full secret string, which is never stored and never shown again."""
    if not token_members_for(by).filter(pk=member.pk).exists():
        raise NotAllowed("You can create tokens for yourself, and admins for integration members.")
    public_id, secret = new_token_parts()
    token = ApiToken.objects.create(
        org=member.org,
        member=member,
        name=name.strip(),
        public_id=public_id,
        secret_hash=hash_secret(secret),
        created_by=by,
    )
    record_audit_event(
        kind=Kind.TOKEN_CREATED,
        request=request,
        org=member.org,
        actor=by.user,
        target=member.email,
        details={"token": token.display, "name": token.name},
    )
    return token, token_string(public_id, secret)


@transaction.atomic
def revoke_api_token(*, by: Membership, token: ApiToken, request: HttpRequest | None = None) -> ApiToken:
    if token.member_id != by.pk and not by.can(Capability.MANAGE_ALL_API_TOKENS):
        raise NotAllowed("Only the token's member or an admin can revoke it.")
    revoked = ApiToken.objects.filter(pk=token.pk, org=by.org, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        record_audit_event(
            kind=Kind.TOKEN_REVOKED,
            request=request,
            org=by.org,
            actor=by.user,
            target=token.member.email,
            details={"token": token.display, "name": token.name},
        )
    token.refresh_from_db()
    return token


def note_api_token_used(*, token: ApiToken) -> None:
    # One write a minute at most: a busy integration must not turn every request into an UPDATE.
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@transaction.atomic
def change_profile(*, user: User, full_name: str) -> User:
    user.full_name = full_name.strip()
    user.save(update_fields=["full_name"])
    return user


@transaction.atomic
def set_rep_availability(
    *, by: Membership, member: Membership, is_away: bool, max_open_leads: int | None
) -> Membership:
    """A rep marks themselves away, or an admin or sales manager sets a rep's capacity."""
    if by.pk != member.pk and not (by.can(Capability.MANAGE_ORGANIZATION) or by.role == Role.SALES_MANAGER):
        raise NotAllowed("Only the rep, their sales manager or an admin can change this.")
    if max_open_leads is not None and not 1 <= max_open_leads <= 10_000:
        raise DomainError("Capacity is 1 to 10,000 open leads, or empty for no limit.")
    Membership.objects.filter(pk=member.pk, org_id=by.org_id).update(is_away=is_away, max_open_leads=max_open_leads)
    member.refresh_from_db()
    return member
