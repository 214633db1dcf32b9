"""The Sales-Marketing Agreement: versions both managers sign, their SMART objectives, the clocks
that run on each handed-off lead, the notices they send once, and compliance per period."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership, Organization


class Agreement(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=120)
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # A running clock turns "at risk" once this share of its time is used.
    at_risk_share = models.FloatField(default=0.75)
    based_on = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    proposed_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["org", "number"], name="agreement_unique_number"),
            models.UniqueConstraint(fields=["org"], condition=Q(status="active"), name="agreement_one_active_per_org"),
            models.CheckConstraint(condition=Q(at_risk_share__gt=0, at_risk_share__lt=1), name="agreement_risk_share"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.number})"


class Objective(models.Model):
    """One SMART promise: who owes it, what is measured, the target, over which period."""

    class Side(models.TextChoices):
        MARKETING = "marketing", "Marketing"
        SALES = "sales", "Sales"

    class Metric(models.TextChoices):
        MQLS_DELIVERED = "mqls_delivered", "MQLs delivered"
        MQL_ACCEPTANCE = "mql_acceptance", "Share of hand-offs accepted"
        HANDOFFS_MEETING_CRITERIA = "handoffs_meeting_criteria", "Share of hand-offs meeting the active criteria"
        RESPONSE_TIME = "response_time", "Hand-offs answered within N business hours"
        FIRST_TOUCH_TIME = "first_touch_time", "First touch within N business hours"
        FOLLOW_UPS = "follow_ups", "At least K follow-ups within D days"
        LEADS_WORKED = "leads_worked", "Share of accepted leads worked"
        CLOSE_RATE = "close_rate", "Close rate"

    class Period(models.TextChoices):
        WEEK = "week", "Week"
        MONTH = "month", "Month"
        QUARTER = "quarter", "Quarter"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="objectives")
    position = models.PositiveSmallIntegerField(default=0)
    side = models.CharField(max_length=10, choices=Side.choices)
    metric = models.CharField(max_length=32, choices=Metric.choices)
    # A count (MQLs per period) or a share in percent (0-100), "at least" the target.
    target = models.DecimalField(max_digits=10, decimal_places=2)
    period = models.CharField(max_length=8, choices=Period.choices, default=Period.MONTH)
    hours = models.PositiveSmallIntegerField(null=True, blank=True, help_text="N business hours")
    count = models.PositiveSmallIntegerField(null=True, blank=True, help_text="K follow-ups")
    days = models.PositiveSmallIntegerField(null=True, blank=True, help_text="within D days")
    statement = models.TextField(help_text="The promise in plain language, as everyone reads it.")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "agreement", "position"], name="objective_unique_position"),
        ]

    def __str__(self) -> str:
        return self.statement

    @property
    def is_share(self) -> bool:
        return self.metric != self.Metric.MQLS_DELIVERED

    @property
    def runs_clocks(self) -> bool:
        return self.metric in (self.Metric.RESPONSE_TIME, self.Metric.FIRST_TOUCH_TIME, self.Metric.FOLLOW_UPS)


class AgreementSignature(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signatures")
    member = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=12)
    comment = models.TextField(blank=True)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["signed_at"]
        constraints = [models.UniqueConstraint(fields=["org", "agreement", "member"], name="agreement_signature_once")]

    def __str__(self) -> str:
        return f"{self.member} for {self.side}"


class AgreementEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        PROPOSED = "proposed", "Proposed"
        SIGNED = "signed", "Signed"
        SIGNATURES_WITHDRAWN = "signatures_withdrawn", "Signatures withdrawn"
        SENT_BACK = "sent_back", "Sent back"
        ACTIVATED = "activated", "Activated"
        RETIRED = "retired", "Retired"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    member = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class LeadClock(models.Model):
    """One running promise on one hand-off: answer it, touch it, follow it up, by a deadline."""

    class State(models.TextChoices):
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        BREACHED = "breached", "Breached"
        MET = "met", "Met"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="clocks")
    handoff = models.ForeignKey("leads.HandOff", on_delete=models.CASCADE, related_name="clocks")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="clocks")
    owner = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField()
    at_risk_at = models.DateTimeField()
    due_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.ON_TRACK)
    # When the sweep must look at the clock next (at risk, then due); none once it ended.
    next_check_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "handoff", "objective"], name="lead_clock_once_per_handoff"),
        ]
        indexes = [
            # The sweep's to-do list: only clocks still running are in it, by when they are due a look.
            models.Index(fields=["next_check_at"], condition=Q(next_check_at__isnull=False), name="clock_due_idx"),
            models.Index(fields=["org", "lead"], name="clock_org_lead_idx"),
            models.Index(fields=["org", "objective", "started_at"], name="clock_org_objective_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.objective}: {self.state}"


class ClockNotice(models.Model):
    """Proof that a clock's at-risk, breach or escalation notice went out: the unique key makes it once."""

    class Kind(models.TextChoices):
        AT_RISK = "at_risk", "At risk"
        BREACHED = "breached", "Breached"
        ESCALATED = "escalated", "Escalated"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    clock = models.ForeignKey(LeadClock, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "clock", "kind"], name="clock_notice_once")]

    def __str__(self) -> str:
        return f"{self.kind} for clock {self.clock_id}"


class ComplianceSnapshot(models.Model):
    """One objective's figure for one period and one scope (the org, a side's team, a rep)."""

    class Scope(models.TextChoices):
        ORG = "org", "Organization"
        TEAM = "team", "Team"
        REP = "rep", "Rep"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="snapshots")
    period_start = models.DateField()
    period_end = models.DateField()
    scope = models.CharField(max_length=4, choices=Scope.choices)
    # The rep of a rep scope; 0 for the org and the team, so the unique key needs no NULLs.
    member_id_key = models.BigIntegerField(default=0)
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    numerator = models.IntegerField()
    denominator = models.IntegerField()
    value = models.FloatField(null=True, blank=True)
    met = models.BooleanField(null=True)
    final = models.BooleanField(default=False)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "objective", "period_start", "scope", "member_id_key"], name="compliance_snapshot_key"
            ),
        ]
        indexes = [models.Index(fields=["org", "period_start"], name="compliance_org_period_idx")]

    def __str__(self) -> str:
        return f"{self.objective} {self.period_start}: {self.value}"
