from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, Concat, Lower
from django.utils import timezone

from accounts.models import Membership, Organization

NOT_BLANK_EXTERNAL_ID = ~Q(external_id="")


class Company(models.Model):
    """An account: leads attach to it by their e-mail domain (never by a personal one like gmail.com)."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253)
    industry = models.CharField(max_length=100, blank=True)
    employees = models.PositiveIntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    country = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "companies"
        constraints = [models.UniqueConstraint(fields=["org", "domain"], name="company_unique_domain_per_org")]
        indexes = [models.Index(fields=["org", "name"], name="company_org_name_idx")]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    external_id = models.CharField(max_length=100, blank=True)
    channel = models.CharField(max_length=80, blank=True, help_text="Paid search, event, e-mail, partner ...")
    description = models.TextField(blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "external_id"], condition=NOT_BLANK_EXTERNAL_ID, name="campaign_unique_external_id"
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(starts_on__lte=models.F("ends_on")),
                name="campaign_starts_before_it_ends",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ContentAsset(models.Model):
    class Kind(models.TextChoices):
        WHITEPAPER = "whitepaper", "Whitepaper"
        EBOOK = "ebook", "E-book"
        WEBINAR = "webinar", "Webinar"
        CASE_STUDY = "case_study", "Case study"
        BLOG_POST = "blog_post", "Blog post"
        PRICING_PAGE = "pricing_page", "Pricing page"
        PRODUCT_PAGE = "product_page", "Product page"
        DEMO_VIDEO = "demo_video", "Demo video"
        EMAIL = "email", "E-mail"
        EVENT = "event", "Event"
        OTHER = "other", "Other"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    url = models.URLField(max_length=500, blank=True)
    # The topics and pain points the asset speaks to, as marketers name them ("cost of churn").
    topics = ArrayField(models.CharField(max_length=80), default=list, blank=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="assets")
    external_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "external_id"], condition=NOT_BLANK_EXTERNAL_ID, name="asset_unique_external_id"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Lead(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        NURTURING = "nurturing", "Nurturing"
        MQL = "mql", "MQL"
        HANDED_OFF = "handed_off", "Handed off"
        ACCEPTED = "accepted", "Accepted"
        WORKING = "working", "Working"
        OPPORTUNITY = "opportunity", "Opportunity"
        WON = "won", "Won"
        LOST = "lost", "Lost"
        RECYCLED = "recycled", "Returned by sales"
        DISQUALIFIED = "disqualified", "Disqualified"

    class BuyingAuthority(models.TextChoices):
        DECISION_MAKER = "decision_maker", "Decision maker"
        INFLUENCER = "influencer", "Influencer"
        USER = "user", "User"
        UNKNOWN = "unknown", "Unknown"

    class Timeline(models.TextChoices):
        WITHIN_1_MONTH = "within_1_month", "Within a month"
        WITHIN_3_MONTHS = "within_3_months", "Within 3 months"
        WITHIN_6_MONTHS = "within_6_months", "Within 6 months"
        WITHIN_12_MONTHS = "within_12_months", "Within a year"
        LATER = "later", "Later"
        UNKNOWN = "unknown", "Unknown"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # Identity: the id in the source system when there is one, else the normalized e-mail.
    external_id = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    job_title = models.CharField(max_length=150, blank=True)
    company = models.ForeignKey(Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads")
    company_name = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    employees = models.PositiveIntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=100, blank=True)
    # The channel the lead came through (web form, paid search, event, referral ...).
    source = models.CharField(max_length=80, blank=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads")
    buying_authority = models.CharField(max_length=20, choices=BuyingAuthority.choices, default=BuyingAuthority.UNKNOWN)
    budget = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    timeline = models.CharField(max_length=20, choices=Timeline.choices, default=Timeline.UNKNOWN)
    pain_points = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    current_supplier = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    owner = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_leads")
    # The criteria version that qualified the lead (kept afterwards: close rates per version).
    criteria_version = models.ForeignKey(
        "leads.CriteriaVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="qualified_leads"
    )
    # Set when a marketer qualified the lead by hand; the criteria then never take it back.
    qualified_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    fit_score = models.PositiveSmallIntegerField(null=True, blank=True)
    engagement_score = models.FloatField(default=0)
    engagement_scored_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    qualified_at = models.DateTimeField(null=True, blank=True)
    handed_off_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    first_touch_at = models.DateTimeField(null=True, blank=True)
    opportunity_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    search_text = models.GeneratedField(
        expression=Lower(
            Concat(
                Coalesce("first_name", Value("")), Value(" "), Coalesce("last_name", Value("")), Value(" "),
                Coalesce("email", Value("")), Value(" "), Coalesce("company_name", Value("")),
                output_field=models.TextField(),
            )
        ),
        output_field=models.TextField(),
        db_persist=True,
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "external_id"], condition=NOT_BLANK_EXTERNAL_ID, name="lead_unique_external_id"
            ),
            models.UniqueConstraint(fields=["org", "email"], condition=~Q(email=""), name="lead_unique_email"),
            models.CheckConstraint(condition=~Q(email="", external_id=""), name="lead_has_email_or_external_id"),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="lead_email_normalized"),
        ]
        indexes = [
            models.Index(fields=["org", "-created_at", "-id"], name="lead_org_created_idx"),
            models.Index(fields=["org", "-updated_at"], name="lead_org_updated_idx"),
            models.Index(fields=["org", "status", "-created_at"], name="lead_org_status_idx"),
            models.Index(fields=["org", "-engagement_score"], name="lead_org_engagement_idx"),
            # The qualified queue: MQLs of an organization, best fit first.
            models.Index(
                fields=["org", "-fit_score", "-engagement_score"],
                condition=Q(status="mql"),
                name="lead_org_qualified_idx",
            ),
            models.Index(fields=["org", "campaign"], name="lead_org_campaign_idx"),
            models.Index(fields=["org", "owner", "status"], name="lead_org_owner_idx"),
            models.Index(fields=["org", "company"], name="lead_org_company_idx"),
            GinIndex(OpClass("search_text", name="gin_trgm_ops"), name="lead_search_trgm_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.external_id

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class PendingEvaluation(models.Model):
    """A lead whose engagement score or qualification may be out of date: the evaluation jobs' to-do list.

    Written in the same transaction as the change (new events, new or changed lead data), so no
    work is lost when the broker is down; a narrow table, so ingest never rewrites the wide lead row.
    """

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("Lead", on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(default=timezone.now)
    # New engagement arrived: if sales holds the lead, its rep hears of it (moment of interest).
    engaged = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "lead"], name="pending_evaluation_unique_lead")]

    def __str__(self) -> str:
        return f"lead {self.lead_id} since {self.since:%Y-%m-%d %H:%M}"


class EngagementEvent(models.Model):
    """One touch of a lead with content. Append-only; read by time range."""

    class Kind(models.TextChoices):
        VIEW = "view", "Viewed"
        CLICK = "click", "Clicked"
        EMAIL_OPEN = "email_open", "Opened an e-mail"
        DOWNLOAD = "download", "Downloaded"
        FORM_SUBMIT = "form_submit", "Submitted a form"
        ATTEND = "attend", "Attended"
        REPLY = "reply", "Replied"
        DEMO_REQUEST = "demo_request", "Requested a demo"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    asset = models.ForeignKey(ContentAsset, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=80, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "external_id"], condition=NOT_BLANK_EXTERNAL_ID, name="event_unique_external_id"
            ),
        ]
        indexes = [
            models.Index(fields=["org", "lead", "-occurred_at"], name="event_org_lead_idx"),
            models.Index(fields=["org", "-occurred_at"], name="event_org_occurred_idx"),
            # With the lead in it, counting distinct leads per content asset reads the index alone.
            models.Index(fields=["org", "asset", "lead"], name="event_org_asset_lead_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"


class LeadStatusChange(models.Model):
    """One step in a lead's life: who moved it, when, from where to where, and why. Append-only."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="status_changes")
    # None when a job made the change (the criteria qualifying a lead); the note says which.
    by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    from_status = models.CharField(max_length=20, choices=Lead.Status.choices)
    to_status = models.CharField(max_length=20, choices=Lead.Status.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["org", "lead", "at"], name="statuschange_org_lead_idx"),
            models.Index(fields=["org", "to_status", "at"], name="statuschange_org_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status} at {self.at:%Y-%m-%d %H:%M}"
