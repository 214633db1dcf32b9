from collections.abc import Iterable

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property

from accounts.models import Membership, Organization
from leads.scoring import LABELS, RESULTS, Attribute, Operator, Rule, describe


class CriteriaVersion(models.Model):
    """One written definition of a qualified lead, as marketing and sales sign it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=120)
    # What changed and why, in the proposer's words: what the signing managers read first.
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    min_fit_score = models.PositiveSmallIntegerField(default=50)
    min_engagement_score = models.FloatField(default=10)
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
            models.UniqueConstraint(fields=["org", "number"], name="criteria_version_unique_number"),
            # The database itself holds the rule "one active version per organization".
            models.UniqueConstraint(fields=["org"], condition=Q(status="active"), name="criteria_one_active_per_org"),
            models.CheckConstraint(condition=Q(min_fit_score__lte=100), name="criteria_fit_threshold_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.number})"


class CriteriaRule(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(CriteriaVersion, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField()
    attribute = models.CharField(max_length=20, choices=[(a.value, LABELS[a]) for a in Attribute])
    operator = models.CharField(max_length=20, choices=[(o.value, o.value) for o in Operator])
    value = models.JSONField(null=True, blank=True)
    required = models.BooleanField(default=False)
    weight = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["org", "version", "position"], name="criteria_rule_unique_position"),
            models.CheckConstraint(condition=Q(weight__lte=100), name="criteria_rule_weight_max_100"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return describe(Rule(Attribute(self.attribute), Operator(self.operator), self.value))


class CriteriaSignature(models.Model):
    """A manager's signature for their side. One person signing twice still counts once."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(CriteriaVersion, on_delete=models.CASCADE, related_name="signatures")
    member = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=12)
    comment = models.TextField(blank=True)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["org", "version", "member"], name="criteria_signature_once_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member} for {self.side}"


class CriteriaVersionEvent(models.Model):
    """The version's history: created, edited, proposed, signed, sent back, activated, retired."""

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
    version = models.ForeignKey(CriteriaVersion, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    member = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class LeadEvaluation(models.Model):
    """The lead's latest evaluation: fit, engagement, qualified, and every rule's result and reason.

    Its own narrow table, so re-evaluating many leads does not rewrite the wide lead row. Each rule's
    words and terms are the version's (its rules no longer change once it judges leads): a row keeps
    only what is the lead's own, one result letter and one reason per rule, in the rules' order.
    """

    lead = models.OneToOneField("leads.Lead", on_delete=models.CASCADE, primary_key=True, related_name="evaluation")
    # Indexed together only (leadevaluation_org_version_idx): every re-evaluation rewrites these
    # rows, and each index costs a write per row. A lone version index would serve only deleting a
    # draft, which has no evaluations.
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    version = models.ForeignKey(CriteriaVersion, on_delete=models.CASCADE, related_name="+", db_index=False)
    fit_score = models.PositiveSmallIntegerField()
    engagement_score = models.FloatField()
    qualified = models.BooleanField()
    # One letter per rule, in position order: h(eld), f(ailed), u(nknown).
    results = models.TextField(default="")
    reasons = ArrayField(models.TextField(), default=list)
    evaluated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["org", "version"], name="leadevaluation_org_version_idx")]

    def __str__(self) -> str:
        return f"lead {self.lead_id}: fit {self.fit_score}"

    @cached_property
    def outcomes(self) -> list[dict]:
        """Every rule's result and reason with the rule as its version words it."""
        return rule_outcomes(self.version.rules.all(), self.results, self.reasons)

    @property
    def summary(self) -> str:
        held = [o["rule"] for o in self.outcomes if o["result"] == "held"]
        return ", ".join(held) or "No rule held"

    @property
    def missed(self) -> list[dict]:
        return [o for o in self.outcomes if o["result"] != "held"]


def rule_outcomes(rules: Iterable[CriteriaRule], results: str, reasons: list[str]) -> list[dict]:
    """A stored evaluation's outcomes, given its version's rules in position order:
    [{"rule", "result" (held/failed/unknown), "reason", "required", "weight"}, ...]."""
    return [
        {"rule": rule.text, "result": RESULTS[letter].value, "reason": reason, "required": rule.required,
         "weight": 0 if rule.required else rule.weight}
        for rule, letter, reason in zip(rules, results, reasons, strict=False)
    ]  # fmt: skip


class ReevaluationChunk(models.Model):
    """A thousand leads to re-evaluate after an activation; done once, with its progress."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(CriteriaVersion, on_delete=models.CASCADE, related_name="reevaluation_chunks")
    first_lead_id = models.BigIntegerField()
    last_lead_id = models.BigIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "version", "first_lead_id"], name="reevaluation_chunk_unique")
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(done_at__isnull=True), name="reevaluation_chunk_open_idx")
        ]

    def __str__(self) -> str:
        return f"leads {self.first_lead_id}-{self.last_lead_id}"
