import zoneinfo
from datetime import time

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.roles import SIDE_OF_ROLE, Capability, Role, Side, role_can


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.")


def default_business_days() -> list[int]:
    return [0, 1, 2, 3, 4]


class Organization(models.Model):
    """The tenant: every row of business data belongs to exactly one organization."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    # Weekday numbers as Python counts them: Monday is 0.
    business_days = ArrayField(models.PositiveSmallIntegerField(), default=default_business_days)
    business_day_start = models.TimeField(default=time(9, 0))
    business_day_end = models.TimeField(default=time(17, 0))
    # Public holidays of this country (ISO 3166 alpha-2) count as non-business days.
    holiday_country = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Round-robin among all reps, for leads no routing rule matches: who got the last one.
    round_robin_last = models.ForeignKey(
        "accounts.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(business_day_start__lt=models.F("business_day_end")),
                name="org_business_day_starts_before_it_ends",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Holiday(models.Model):
    """A day the organization does not work besides its country's public holidays."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["org", "date"], name="holiday_unique_per_org_date")]

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        return self.create_user(email, password, is_staff=True, is_superuser=True, **fields)

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email=normalize_email(username))


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with e-mail and password, or an integration that only holds API tokens."""

    # Stored lowercased (a constraint holds it), so plain equality finds a user whatever they type.
    email = models.EmailField(max_length=254, unique=True)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    # An integration (a marketing tool, a web form) acts through API tokens and never signs in.
    is_integration = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(email=Lower("email")), name="user_email_lowercase")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        self.email = normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Membership(models.Model):
    """A user's place in one organization: their side, their role, whether they still belong."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=24, choices=Role.choices)
    side = models.CharField(max_length=12, choices=Side.choices)
    is_active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # Routing: a rep marked away, or holding this many open leads, gets no new hand-offs.
    is_away = models.BooleanField(default=False)
    max_open_leads = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["org", "user"], name="membership_unique_per_org_user"),
            models.CheckConstraint(
                condition=models.Q(role=Role.ADMIN)
                | models.Q(role__in=[Role.MARKETER, Role.MARKETING_MANAGER], side=Side.MARKETING)
                | models.Q(role__in=[Role.SALES_REP, Role.SALES_MANAGER], side=Side.SALES),
                name="membership_role_matches_side",
            ),
        ]
        indexes = [models.Index(fields=["org", "role", "is_active"], name="membership_org_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.org})"

    def can(self, capability: Capability) -> bool:
        return self.is_active and role_can(self.role, capability)

    @property
    def name(self) -> str:
        return str(self.user)

    @property
    def email(self) -> str:
        return self.user.email

    @staticmethod
    def side_for(role: str, admin_side: str = Side.MARKETING) -> str:
        return SIDE_OF_ROLE.get(role, admin_side)


class ApiToken(models.Model):
    """A member's key to the API. The secret is shown once and stored only as a hash."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_tokens")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    # Public part of the token (smk_<public_id>_<secret>): safe to show and to log.
    public_id = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["org", "member"], name="apitoken_org_member_idx")]

    def __str__(self) -> str:
        return f"{self.name} (smk_{self.public_id}_…)"

    @property
    def display(self) -> str:
        return f"smk_{self.public_id}_…"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class AuditEvent(models.Model):
    """Append-only record of security events and signatures. A database trigger refuses changes."""

    class Kind(models.TextChoices):
        LOGIN_SUCCEEDED = "login_succeeded", "Signed in"
        LOGIN_FAILED = "login_failed", "Sign-in failed"
        LOGIN_LOCKED_OUT = "login_locked_out", "Sign-in locked out"
        LOGGED_OUT = "logged_out", "Signed out"
        SIGNED_UP = "signed_up", "Organization signed up"
        ORG_CREATED = "org_created", "Organization created"
        ORG_SETTINGS_CHANGED = "org_settings_changed", "Organization settings changed"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset requested"
        PASSWORD_RESET = "password_reset", "Password reset"
        MEMBER_INVITED = "member_invited", "Member invited"
        MEMBER_JOINED = "member_joined", "Invitation accepted"
        MEMBER_ROLE_CHANGED = "member_role_changed", "Member role changed"
        MEMBER_DEACTIVATED = "member_deactivated", "Member deactivated"
        MEMBER_REACTIVATED = "member_reactivated", "Member reactivated"
        TOKEN_CREATED = "token_created", "API token created"
        TOKEN_REVOKED = "token_revoked", "API token revoked"
        TOKEN_REJECTED = "token_rejected", "API token refused"
        CRITERIA_SIGNED = "criteria_signed", "Criteria signed"
        CRITERIA_ACTIVATED = "criteria_activated", "Criteria activated"
        AGREEMENT_SIGNED = "agreement_signed", "Agreement signed"
        AGREEMENT_ACTIVATED = "agreement_activated", "Agreement activated"
        LEAD_HANDED_OFF = "lead_handed_off", "Lead handed off"
        LEAD_ACCEPTED = "lead_accepted", "Lead accepted"
        LEAD_REJECTED = "lead_rejected", "Lead rejected"
        IMPORT_STARTED = "import_started", "Lead import started"
        IMPORT_FINISHED = "import_finished", "Lead import finished"
        REJECTIONS_EXPORTED = "rejections_exported", "Rejected import rows exported"
        LEADS_EXPORTED = "leads_exported", "Leads exported"
        FIGURES_EXPORTED = "figures_exported", "Figures exported"

    class Outcome(models.TextChoices):
        OK = "ok", "OK"
        FAILED = "failed", "Failed"
        DENIED = "denied", "Denied"

    # Sign-in attempts for unknown addresses belong to no organization.
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # What the actor typed or was, kept as text: survives renames and covers unknown addresses.
    actor_label = models.CharField(max_length=254, blank=True)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.OK)
    target = models.CharField(max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["org", "-at"], name="auditevent_org_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} by {self.actor_label}"


class IdempotencyKey(models.Model):
    """The first answer to an API request sent with an Idempotency-Key, replayed to its retries for 24 h."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # A digest of method, path and body: the same key with another request is a client error.
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "member", "key"], name="idempotency_key_unique_per_member")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"


class Notification(models.Model):
    """An in-app notice to one member; e-mailed too when the member wants that kind by e-mail."""

    class Kind(models.TextChoices):
        LEAD_ASSIGNED = "lead_assigned", "A lead was handed to you"
        LEAD_ACCEPTED = "lead_accepted", "Sales accepted your hand-off"
        LEAD_REJECTED = "lead_rejected", "Sales returned your hand-off"
        LEAD_REENGAGED = "lead_reengaged", "Your lead engaged again"
        SLA_AT_RISK = "sla_at_risk", "An SLA clock is at risk"
        SLA_BREACHED = "sla_breached", "An SLA clock was breached"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Several touches in a short while make one notice: how many it stands for.
    count = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Whether the member wanted this kind by e-mail when it was made, and when it went out.
    by_email = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Makes a notice exactly-once: the same key is never inserted twice (see the services).
    dedupe_key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "dedupe_key"], condition=~models.Q(dedupe_key=""), name="notification_unique_key"
            )
        ]
        indexes = [
            models.Index(fields=["org", "recipient", "-updated_at"], name="notification_recipient_idx"),
            models.Index(
                fields=["org", "recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"
            ),
            # The e-mail sweeper's: only notices whose e-mail has not gone out, a handful at any time.
            models.Index(
                fields=["org", "created_at"],
                condition=models.Q(by_email=True, emailed_at__isnull=True),
                name="notification_unsent_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """Whether a member wants a kind of notice by e-mail as well (in-app they always get it)."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(max_length=24, choices=Notification.Kind.choices)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "member", "kind"], name="notification_preference_unique")]

    def __str__(self) -> str:
        return f"{self.kind}: {'e-mail' if self.email else 'in-app only'}"
