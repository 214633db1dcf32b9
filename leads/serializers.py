"""API shapes of leads, events, campaigns and content (SPEC 8.1: clients depend on these names).

Incoming leads and events are validated by leads.validation (one validator for every way in); the
*In serializers here describe those shapes in the OpenAPI schema, and a test keeps them in step.
"""

from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from leads.models import Campaign, ContentAsset, CriteriaVersion, EngagementEvent, Lead
from leads.selectors import campaigns_visible_to
from smarketing.api import AwareDateTimeField, JSONTypes


def _amount() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=False, allow_null=True)


class AsValidated(serializers.JSONField):
    """An incoming field documented as leads.validation reads it; it validates nothing itself.

    That validator serves CSV files too, so it is forgiving: text may come as a number, counts and
    amounts as text ("1,200"), ids as digits, and null or "" leaves a field blank. The schema says so,
    or a client would be told "string" and the server would take 5.
    """

    def __init__(self, schema: dict, **kwargs):
        self.openapi_schema = schema
        super().__init__(**kwargs)


class AsValidatedScheme(OpenApiSerializerFieldExtension):
    target_class = AsValidated

    def map_serializer_field(self, auto_schema, direction):
        return self.target.openapi_schema


MAX_ID = 2**63 - 1
# Below 10^14: what a 16-digit column with cents holds (OpenAPI 3.0 spells "exclusive" as a flag).
AMOUNT_RANGE = {"minimum": 0, "maximum": 10**14, "exclusiveMaximum": True}


def _text(limit: int, **kwargs) -> AsValidated:
    return AsValidated({"anyOf": [{"type": "string", "maxLength": limit}, {"type": "number"}], "nullable": True},
                       required=False, help_text=f"Text, at most {limit} characters.", **kwargs)  # fmt: skip


def _text_only(limit: int, help_text: str, **kwargs) -> AsValidated:
    return AsValidated({"type": "string", "maxLength": limit, "nullable": True}, help_text=help_text, **kwargs)


def _id(help_text: str) -> AsValidated:
    schema = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_ID}, {"type": "string"}], "nullable": True}
    return AsValidated(schema, required=False, help_text=f"{help_text} A whole number, also as text.")


def _count(limit: int) -> AsValidated:
    schema = {"anyOf": [{"type": "integer", "minimum": 0, "maximum": limit}, {"type": "string"}], "nullable": True}
    return AsValidated(schema, required=False, help_text=f'0 to {limit:,}; text like "1,200" is read too.')


def _money() -> AsValidated:
    schema = {"anyOf": [{"type": "number", **AMOUNT_RANGE}, {"type": "string"}], "nullable": True}
    return AsValidated(schema, required=False, help_text='An amount, rounded to cents; text like "12,000.50" too.')


def _choice(choices, help_text: str = "", *, blank: bool = False, **kwargs) -> AsValidated:
    values = [*choices.values, *([""] if blank else [])]
    schema = {"type": "string", "enum": values, **({"nullable": True} if blank else {})}
    return AsValidated(schema, help_text=help_text, **kwargs)


class LeadInSerializer(serializers.Serializer):
    external_id = _text(100)
    source = _text(80)
    email = _text_only(254, "An e-mail address; required unless external_id is sent.", required=False)
    first_name = _text(100)
    last_name = _text(100)
    phone = _text(40)
    job_title = _text(150)
    company_name = _text(200)
    company_domain = _text_only(253, "A domain like example.com (a leading https:// or www. is dropped).",
                                required=False)  # fmt: skip
    industry = _text(100)
    employees = _count(10_000_000)
    annual_revenue = _money()
    country = _text_only(100, "ISO 3166 alpha-2 (DE), or the country's English name.", required=False)
    region = _text(100)
    buying_authority = _choice(Lead.BuyingAuthority, "Upper case, spaces and hyphens are read too.", required=False)
    budget = _money()
    timeline = _choice(Lead.Timeline, "Upper case, spaces and hyphens are read too.", required=False)
    pain_points = AsValidated(
        {"anyOf": [{"type": "array", "maxItems": 20, "items": _text(200).openapi_schema}, {"type": "string"}],
         "nullable": True},
        required=False, help_text="At most 20, each at most 200 characters; or one text separated by ; or lines.",
    )  # fmt: skip
    current_supplier = _text(200)
    campaign = _id("A campaign id of your organization.")
    campaign_external_id = _text(100)
    notes = _text(5000)


class BatchItems(serializers.ListField):
    """{"items": [...]}: each item is validated on its own, so no item makes the whole request fail."""

    def __init__(self, item: type[serializers.Serializer], max_length: int, **kwargs):
        self.item = item
        super().__init__(max_length=max_length, **kwargs)


class BatchItemsScheme(OpenApiSerializerFieldExtension):
    target_class = BatchItems

    def map_serializer_field(self, auto_schema, direction):
        item = auto_schema.resolve_serializer(self.target.item, direction).ref
        return {
            "type": "array",
            "maxItems": self.target.max_length,
            # Shaped like the item schema; anything else is answered per item ("error" with its reasons).
            "items": {"anyOf": [item, {}]},
            "description": f"At most {self.target.max_length:,}; more answer 413.",
        }


class LeadBatchInSerializer(serializers.Serializer):
    items = BatchItems(LeadInSerializer, max_length=1000)


class EventInSerializer(serializers.Serializer):
    external_id = _text(100)
    lead = _id("The lead's id.")
    lead_external_id = _text(100)
    lead_email = _text_only(254, "The lead's e-mail address.", required=False)
    asset = _id("The content asset's id.")
    asset_external_id = _text(100)
    asset_title = _text(200)
    asset_url = _text_only(500, "An http or https address.", required=False)
    asset_kind = _choice(ContentAsset.Kind, "For an asset created with this event.", blank=True, required=False)
    kind = _choice(EngagementEvent.Kind)
    occurred_at = AsValidated({"type": "string", "format": "date-time"}, help_text="ISO 8601 with a UTC offset")
    source = _text(80)
    metadata = AsValidated({"type": "object", "maxProperties": 50, "nullable": True}, required=False,
                           help_text="At most 50 keys and 4,000 characters.")  # fmt: skip


class SingleEventScheme(OpenApiSerializerExtension):
    target_class = EventInSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target_class, direction, bypass_extensions=True)
        # A body with "items" is a batch, whatever else it holds.
        return {**schema, "not": {"required": ["items"]}}


class EventBatchInSerializer(serializers.Serializer):
    items = BatchItems(EventInSerializer, max_length=5000)


class ItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["created", "updated", "duplicate", "error"])
    id = serializers.IntegerField(required=False)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class CountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    error = serializers.IntegerField()


class BatchResultSerializer(serializers.Serializer):
    results = ItemResultSerializer(many=True)
    counts = CountsSerializer()


class LeadOutSerializer(serializers.ModelSerializer):
    company_domain = serializers.CharField(source="company.domain", default="", read_only=True)
    campaign_external_id = serializers.CharField(source="campaign.external_id", default="", read_only=True)
    employees = serializers.IntegerField(allow_null=True)
    annual_revenue = _amount()
    budget = _amount()

    class Meta:
        model = Lead
        fields = [
            "id", "external_id", "source", "email", "first_name", "last_name", "phone", "job_title",
            "company_name", "company_domain", "company", "industry", "employees", "annual_revenue", "country",
            "region", "buying_authority", "budget", "timeline", "pain_points", "current_supplier", "campaign",
            "campaign_external_id", "notes", "status", "fit_score", "engagement_score", "owner",
            "created_at", "updated_at", "qualified_at", "handed_off_at", "accepted_at", "rejected_at",
            "first_touch_at", "opportunity_at", "closed_at",
        ]  # fmt: skip
        read_only_fields = fields


class TimelineEventSerializer(serializers.ModelSerializer):
    asset_title = serializers.CharField(source="asset.title", default="", read_only=True)
    asset_kind = serializers.CharField(source="asset.kind", default="", read_only=True)

    class Meta:
        model = EngagementEvent
        fields = [
            "id",
            "kind",
            "occurred_at",
            "asset",
            "asset_title",
            "asset_kind",
            "source",
            "external_id",
            "metadata",
        ]
        read_only_fields = fields


class ScorePartSerializer(serializers.Serializer):
    kind = serializers.CharField()
    touches = serializers.IntegerField()
    points = serializers.FloatField()


class LeadDetailSerializer(LeadOutSerializer):
    engagement_parts = ScorePartSerializer(many=True, read_only=True)
    timeline = TimelineEventSerializer(many=True, read_only=True)

    class Meta(LeadOutSerializer.Meta):
        fields = [*LeadOutSerializer.Meta.fields, "engagement_parts", "timeline"]
        read_only_fields = fields


class CampaignSerializer(JSONTypes, serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "external_id",
            "channel",
            "description",
            "starts_on",
            "ends_on",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def validate(self, attrs):
        starts = attrs.get("starts_on", getattr(self.instance, "starts_on", None))
        ends = attrs.get("ends_on", getattr(self.instance, "ends_on", None))
        if starts and ends and starts > ends:
            raise serializers.ValidationError({"ends_on": ["Must not be before starts_on."]})
        return attrs


class ContentAssetSerializer(JSONTypes, serializers.ModelSerializer):
    topics = serializers.ListField(child=serializers.CharField(max_length=80), max_length=30, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        member = self.context.get("member")
        # Only the member's own organization's campaigns can be named; others are "not found".
        self.fields["campaign"].queryset = campaigns_visible_to(member) if member else Campaign.objects.none()

    class Meta:
        model = ContentAsset
        fields = ["id", "title", "kind", "url", "topics", "campaign", "external_id", "created_at"]
        read_only_fields = ["id", "created_at"]


class CriteriaRuleSerializer(serializers.Serializer):
    attribute = serializers.CharField()
    operator = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    required = serializers.BooleanField()
    weight = serializers.IntegerField()
    text = serializers.CharField(help_text="The rule in words, as the managers signed it.")


class CriteriaSignatureSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member_id")
    name = serializers.CharField(source="member.name")
    side = serializers.CharField()
    comment = serializers.CharField()
    signed_at = serializers.DateTimeField()


class CriteriaVersionSerializer(serializers.ModelSerializer):
    rules = CriteriaRuleSerializer(many=True, read_only=True)
    signatures = CriteriaSignatureSerializer(many=True, read_only=True)

    class Meta:
        model = CriteriaVersion
        fields = [
            "id", "number", "name", "summary", "status", "min_fit_score", "min_engagement_score", "based_on",
            "created_at", "proposed_at", "activated_at", "retired_at", "rules", "signatures",
        ]  # fmt: skip
        read_only_fields = fields


class RuleOutcomeSerializer(serializers.Serializer):
    rule = serializers.CharField()
    result = serializers.ChoiceField(choices=["held", "failed", "unknown"])
    reason = serializers.CharField()
    required = serializers.BooleanField()
    weight = serializers.IntegerField()


class LeadEvaluationSerializer(serializers.Serializer):
    lead = serializers.IntegerField()
    criteria_version = serializers.IntegerField(allow_null=True)
    fit_score = serializers.IntegerField(allow_null=True)
    engagement_score = serializers.FloatField()
    qualified = serializers.BooleanField()
    rules = RuleOutcomeSerializer(many=True)


class HandOffInSerializer(JSONTypes, serializers.Serializer):
    rep = serializers.IntegerField(
        required=False, allow_null=True, help_text="Member id; leave out to let routing decide."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class RejectInSerializer(JSONTypes, serializers.Serializer):
    reason = serializers.ChoiceField(choices=["not_a_fit", "bad_data", "not_ready", "duplicate", "other"])
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


OBJECTION_IN = {
    "anyOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "required": ["reason"],
            "properties": {
                "reason": {"anyOf": [{"type": "string", "minLength": 1}, {"type": "integer"}]},
                "text": {"type": "string", "maxLength": 2000, "nullable": True},
            },
        },
    ],
    "description": "An objection of your organization's list by name or id, or {reason, text}.",
}


class FollowUpInSerializer(JSONTypes, serializers.Serializer):
    kind = serializers.ChoiceField(choices=["call", "email", "meeting", "social", "other"])
    occurred_at = AwareDateTimeField(help_text="ISO 8601 with a UTC offset")
    outcome = serializers.ChoiceField(
        choices=["no_answer", "connected", "meeting_booked", "not_interested", "not_ready", "wrong_contact"]
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    objections = serializers.ListField(child=AsValidated(OBJECTION_IN), required=False, max_length=20)
    pain_points = serializers.ListField(child=serializers.CharField(max_length=200), required=False, max_length=20)

    def validate_objections(self, value):
        cleaned = []
        for item in value:
            if isinstance(item, str):
                item = {"reason": item}
            reason = item.get("reason") if isinstance(item, dict) else None
            if isinstance(reason, bool) or not isinstance(reason, str | int) or reason == "":
                raise serializers.ValidationError("Each objection is a name from your list, or {reason, text}.")
            text = "" if item.get("text") is None else item["text"]
            if not isinstance(text, str) or len(text) > 2000:
                raise serializers.ValidationError("An objection's text is at most 2,000 characters.")
            cleaned.append({"reason": int(reason) if isinstance(reason, int) else reason, "text": text})
        return cleaned


@extend_schema_field(
    {"anyOf": [{"type": "number", **AMOUNT_RANGE}, {"type": "string"}],
     "nullable": True, "description": "An amount with at most two decimals, as a number or as text."}
)  # fmt: skip
class AmountIn(serializers.DecimalField):
    pass


@extend_schema_field({"anyOf": [{"type": "string", "maxLength": 80}, {"type": "integer"}]})
class NameOrId(serializers.CharField):
    """A name from one of the organization's lists, or its id; DRF's CharField reads the id as text."""

    json_types = (str, int)


class CloseInSerializer(JSONTypes, serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["opportunity", "won", "lost"])
    value = AmountIn(max_digits=16, decimal_places=2, min_value=0, required=False, allow_null=True)
    loss_reason = NameOrId(required=False, allow_blank=True, max_length=80, help_text="Name or id")
    competitor = serializers.CharField(required=False, allow_blank=True, max_length=120)
    helped_asset = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    helped_tactic = serializers.CharField(required=False, allow_blank=True, max_length=200)


class FollowUpOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    lead = serializers.IntegerField(source="lead_id")
    kind = serializers.CharField()
    outcome = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    notes = serializers.CharField()
    lead_status = serializers.CharField(source="lead.status")
