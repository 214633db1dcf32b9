"""What sales tells marketing: follow-ups, objections, pain points heard, lead quality, outcomes."""

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership, Organization


class FollowUp(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", "Call"
        EMAIL = "email", "E-mail"
        MEETING = "meeting", "Meeting"
        SOCIAL = "social", "Social"
        OTHER = "other", "Other"

    class Outcome(models.TextChoices):
        NO_ANSWER = "no_answer", "No answer"
        CONNECTED = "connected", "Connected"
        MEETING_BOOKED = "meeting_booked", "Meeting booked"
        NOT_INTERESTED = "not_interested", "Not interested"
        NOT_READY = "not_ready", "Not ready yet"
        WRONG_CONTACT = "wrong_contact", "Wrong contact"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="follow_ups")
    rep = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    occurred_at = models.DateTimeField()
    notes = models.TextField(blank=True)
    logged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["org", "lead", "occurred_at"], name="followup_org_lead_idx"),
            models.Index(fields=["org", "rep", "-occurred_at"], name="followup_org_rep_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_outcome_display()}"


class ObjectionReason(models.Model):
    """The organization's list of objections reps pick from (price, timing, competitor, ...)."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="objection_reason_unique_name")]

    def __str__(self) -> str:
        return self.name


class Objection(models.Model):
    """An objection heard in a follow-up: from the list, with the rep's own words."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="objections")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="objections")
    reason = models.ForeignKey(ObjectionReason, on_delete=models.PROTECT, related_name="objections")
    text = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["org", "reason", "at"], name="objection_org_reason_idx")]

    def __str__(self) -> str:
        return str(self.reason)


class PainPointHeard(models.Model):
    """A pain point the lead named to sales: new knowledge for marketing's content."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="pain_points_heard")
    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, null=True, blank=True, related_name="pain_points")
    text = models.CharField(max_length=200)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["org", "at"], name="painpointheard_org_at_idx")]

    def __str__(self) -> str:
        return self.text


class QualityFeedback(models.Model):
    """A rep's verdict on a lead marketing sent: how well it fit, and which criteria were wrong."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="quality_feedback")
    handoff = models.ForeignKey("leads.HandOff", on_delete=models.CASCADE, related_name="quality_feedback")
    member = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    fit = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    ready_to_talk = models.BooleanField()
    brief_useful = models.BooleanField()
    # The criteria rules (in words, as in the brief) the rep found wrong for this lead.
    wrong_criteria = ArrayField(models.CharField(max_length=300), default=list, blank=True)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "handoff", "member"], name="quality_feedback_once_per_handoff"),
            models.CheckConstraint(condition=Q(fit__gte=1, fit__lte=5), name="quality_feedback_fit_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"fit {self.fit}/5"


class LossReason(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="loss_reason_unique_name")]

    def __str__(self) -> str:
        return self.name


class Outcome(models.Model):
    """How a lead turned out with sales: the opportunity, the win or the loss, and why."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    lead = models.OneToOneField("leads.Lead", on_delete=models.CASCADE, related_name="outcome")
    opportunity_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    won_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    # What helped win it: a piece of content, or a tactic in the rep's words.
    helped_asset = models.ForeignKey(
        "leads.ContentAsset", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    helped_tactic = models.CharField(max_length=200, blank=True)
    loss_reason = models.ForeignKey(LossReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    competitor = models.CharField(max_length=120, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"outcome of lead {self.lead_id}"


class FunnelDay(models.Model):
    """How many leads entered each stage on one day, by campaign, source, owner and criteria version.

    A snapshot rebuilt from the leads (today's rows every few minutes, all of them nightly): the
    dashboard sums these rows and never reads the lead table. Key parts use 0 for "none".
    """

    # Snapshot rows are rebuilt by the thousand: no foreign-key triggers fire on each of them, and no
    # separate org index (the composite key below starts with org) is kept up on each.
    org = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    day = models.DateField()
    campaign_key = models.BigIntegerField(default=0)
    source = models.CharField(max_length=80, blank=True)
    owner_key = models.BigIntegerField(default=0)
    version_key = models.BigIntegerField(default=0)
    created = models.IntegerField(default=0)
    qualified = models.IntegerField(default=0)
    handed_off = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    worked = models.IntegerField(default=0)
    opportunity = models.IntegerField(default=0)
    won = models.IntegerField(default=0)
    lost = models.IntegerField(default=0)
    won_value = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "day", "campaign_key", "source", "owner_key", "version_key"], name="funnel_day_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.created} new"


class HandoffFact(models.Model):
    """One hand-off as the dashboards need it: timings in business hours, answer, work, outcome."""

    # The (org, day) index below serves every read by org: a separate org index would only slow rebuilds.
    org = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    # Keyed by its hand-off: one index less to keep up on every rebuilt row.
    handoff = models.OneToOneField(
        "leads.HandOff", on_delete=models.CASCADE, related_name="fact", primary_key=True, db_constraint=False
    )
    day = models.DateField()
    campaign_key = models.BigIntegerField(default=0)
    source = models.CharField(max_length=80, blank=True)
    rep_key = models.BigIntegerField(default=0)
    version_key = models.BigIntegerField(default=0)
    fit_score = models.SmallIntegerField(null=True)
    accepted = models.BooleanField(default=False)
    rejected = models.BooleanField(default=False)
    reject_reason = models.CharField(max_length=20, blank=True)
    worked = models.BooleanField(default=False)
    won = models.BooleanField(default=False)
    lost = models.BooleanField(default=False)
    response_seconds = models.IntegerField(null=True)
    first_touch_seconds = models.IntegerField(null=True)
    quality_fit = models.SmallIntegerField(null=True)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["org", "day"], name="handofffact_org_day_idx")]

    def __str__(self) -> str:
        return f"hand-off {self.handoff_id}"


class CheckInNote(models.Model):
    """What a monthly campaign check-in decided, saved with the month it reviewed."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    text = models.TextField(blank=True)
    updated_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "month"], name="checkin_note_unique_month")]

    def __str__(self) -> str:
        return f"check-in {self.month:%Y-%m}"
