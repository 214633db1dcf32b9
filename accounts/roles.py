"""Roles, sides and what each role may do: the one table every permission check reads."""

from enum import StrEnum

from django.db import models


class Side(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"


class Role(models.TextChoices):
    MARKETER = "marketer", "Marketer"
    MARKETING_MANAGER = "marketing_manager", "Marketing manager"
    SALES_REP = "sales_rep", "Sales rep"
    SALES_MANAGER = "sales_manager", "Sales manager"
    ADMIN = "admin", "Admin"


# Every role but admin belongs to one side; an admin picks the side they work with.
SIDE_OF_ROLE: dict[str, str] = {
    Role.MARKETER: Side.MARKETING,
    Role.MARKETING_MANAGER: Side.MARKETING,
    Role.SALES_REP: Side.SALES,
    Role.SALES_MANAGER: Side.SALES,
}


class Capability(StrEnum):
    MANAGE_ORGANIZATION = "manage_organization"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_ALL_API_TOKENS = "manage_all_api_tokens"
    WORK_MARKETING_LEADS = "work_marketing_leads"
    WORK_SALES_LEADS = "work_sales_leads"
    SIGN_AGREEMENTS = "sign_agreements"
    VIEW_ALL_FIGURES = "view_all_figures"
    # Routing rules, reps' availability, the objection and loss-reason lists.
    MANAGE_HANDOFF_RULES = "manage_handoff_rules"


MARKETING = frozenset({Role.MARKETER, Role.MARKETING_MANAGER})
SALES = frozenset({Role.SALES_REP, Role.SALES_MANAGER})
MANAGERS = frozenset({Role.MARKETING_MANAGER, Role.SALES_MANAGER})

# Managers can do what their side's members can; admins can do everything in their organization,
# so ADMIN is added to every entry below rather than repeated in each.
_GRANTS: dict[Capability, frozenset[str]] = {
    Capability.MANAGE_ORGANIZATION: frozenset(),
    Capability.VIEW_AUDIT_LOG: frozenset(),
    Capability.MANAGE_ALL_API_TOKENS: frozenset(),
    Capability.WORK_MARKETING_LEADS: MARKETING,
    Capability.WORK_SALES_LEADS: SALES,
    Capability.SIGN_AGREEMENTS: MANAGERS,
    Capability.VIEW_ALL_FIGURES: MANAGERS,
    Capability.MANAGE_HANDOFF_RULES: MANAGERS,
}
ROLES_WITH: dict[Capability, frozenset[str]] = {cap: roles | {Role.ADMIN} for cap, roles in _GRANTS.items()}


def role_can(role: str, capability: Capability) -> bool:
    return role in ROLES_WITH[capability]
