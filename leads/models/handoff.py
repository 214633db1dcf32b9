from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership, Organization


class HandOff(models.Model):
    """A lead passed from marketing to a rep, with the brief frozen as it was at that moment."""

    class RejectReason(models.TextChoices):
        NOT_A_FIT = "not_a_fit", "Not a fit"
        BAD_DATA = "bad_data", "Bad data"
        NOT_READY = "not_ready", "Not ready"
        DUPLICATE = "duplicate", "Duplicate"
        OTHER = "other", "Other"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="handoffs")
    rep = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="handoffs_received")
    by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="handoffs_made")
    note = models.TextField(blank=True)
    # How the rep was chosen, in words: "named by Maria", "territory DACH, round-robin, rep2 at capacity".
    routing = models.CharField(max_length=500)
    # Criteria met and version, engagement timeline, pain points, supplier, facts: as they were.
    brief = models.JSONField(default=dict)
    handed_off_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(max_length=20, choices=RejectReason.choices, blank=True)
    reject_note = models.TextField(blank=True)
    # Derived when they happen, in the organization's business hours (dashboards take percentiles).
    response_seconds = models.IntegerField(null=True, blank=True)
    first_touch_seconds = models.IntegerField(null=True, blank=True)
    # The content the lead touched before the hand-off: voice of sales and check-ins by asset.
    assets_before = ArrayField(models.BigIntegerField(), default=list, blank=True)

    class Meta:
        ordering = ["-handed_off_at", "-id"]
        indexes = [
            models.Index(fields=["org", "lead", "-handed_off_at"], name="handoff_org_lead_idx"),
            models.Index(fields=["org", "rep", "-handed_off_at"], name="handoff_org_rep_idx"),
        ]

    def __str__(self) -> str:
        return f"lead {self.lead_id} to {self.rep}"


class RoutingRule(models.Model):
    """A territory: leads matching it go round-robin to its reps. Rules are tried in order; a lead
    no rule matches goes to every active sales rep in turn."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)
    countries = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    industries = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    min_employees = models.PositiveIntegerField(null=True, blank=True)
    max_employees = models.PositiveIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # Round-robin: the rep who got this territory's last lead.
    last_assigned = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_employees__isnull=True) | Q(max_employees__isnull=True)
                | Q(min_employees__lte=models.F("max_employees")),
                name="routing_rule_employee_range",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name


class RoutingRuleRep(models.Model):
    """A rep of a territory (its own row, so it carries the organization like every tenant table)."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(RoutingRule, on_delete=models.CASCADE, related_name="reps")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "rule", "member"], name="routing_rule_rep_unique")]

    def __str__(self) -> str:
        return f"{self.member} in {self.rule}"
