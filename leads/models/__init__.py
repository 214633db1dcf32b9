from leads.models.criteria import (
    CriteriaRule,
    CriteriaSignature,
    CriteriaVersion,
    CriteriaVersionEvent,
    LeadEvaluation,
    ReevaluationChunk,
)
from leads.models.handoff import HandOff, RoutingRule, RoutingRuleRep
from leads.models.imports import ImportColumnChoice, LeadImport, LeadImportRejection
from leads.models.leads import (
    NOT_BLANK_EXTERNAL_ID,
    Campaign,
    Company,
    ContentAsset,
    EngagementEvent,
    Lead,
    LeadStatusChange,
    PendingEvaluation,
)

__all__ = [
    "NOT_BLANK_EXTERNAL_ID",
    "Campaign",
    "Company",
    "ContentAsset",
    "CriteriaRule",
    "CriteriaSignature",
    "CriteriaVersion",
    "CriteriaVersionEvent",
    "EngagementEvent",
    "HandOff",
    "ImportColumnChoice",
    "Lead",
    "LeadEvaluation",
    "LeadImport",
    "LeadImportRejection",
    "LeadStatusChange",
    "PendingEvaluation",
    "ReevaluationChunk",
    "RoutingRule",
    "RoutingRuleRep",
]
