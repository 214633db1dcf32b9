"""Campaigns and content assets: what marketing runs and publishes, and leads engage with."""

from django.db import IntegrityError, transaction

from accounts.models import Membership
from accounts.roles import Capability
from accounts.services import require
from leads.models import Campaign, ContentAsset
from smarketing.errors import Conflict, DomainError

CAMPAIGN_FIELDS = ("name", "external_id", "channel", "description", "starts_on", "ends_on", "is_active")
ASSET_FIELDS = ("title", "kind", "url", "topics", "campaign", "external_id")


def _taken(kind: str, external_id: str) -> DomainError:
    return DomainError(
        f"Another {kind} already has external id “{external_id}”.",
        code="external_id_taken",
        fields={"external_id": ["Already used in your organization."]},
    )


def _save(instance, fields: list[str], kind: str):
    starts, ends = getattr(instance, "starts_on", None), getattr(instance, "ends_on", None)
    if starts and ends and starts > ends:
        raise DomainError("The campaign ends before it starts.", fields={"ends_on": ["Must not be before the start."]})
    try:
        with transaction.atomic():
            instance.save(update_fields=fields) if instance.pk else instance.save()
    except IntegrityError:
        raise _taken(kind, instance.external_id) from None
    return instance


@transaction.atomic
def create_campaign(*, by: Membership, **values) -> Campaign:
    require(by, Capability.WORK_MARKETING_LEADS)
    campaign = Campaign(org=by.org, **{k: v for k, v in values.items() if k in CAMPAIGN_FIELDS})
    return _save(campaign, [], "campaign")


@transaction.atomic
def update_campaign(*, by: Membership, campaign: Campaign, **values) -> Campaign:
    require(by, Capability.WORK_MARKETING_LEADS)
    changed = [k for k in CAMPAIGN_FIELDS if k in values]
    for name in changed:
        setattr(campaign, name, values[name])
    return _save(campaign, changed, "campaign") if changed else campaign


@transaction.atomic
def delete_campaign(*, by: Membership, campaign: Campaign) -> None:
    require(by, Capability.WORK_MARKETING_LEADS)
    if campaign.leads.exists():
        raise Conflict("Leads came from this campaign; archive it instead (is_active false) to keep their history.")
    campaign.delete()


@transaction.atomic
def create_content_asset(*, by: Membership, **values) -> ContentAsset:
    require(by, Capability.WORK_MARKETING_LEADS)
    asset = ContentAsset(org=by.org, **{k: v for k, v in values.items() if k in ASSET_FIELDS})
    return _save(asset, [], "content asset")


@transaction.atomic
def update_content_asset(*, by: Membership, asset: ContentAsset, **values) -> ContentAsset:
    require(by, Capability.WORK_MARKETING_LEADS)
    changed = [k for k in ASSET_FIELDS if k in values]
    for name in changed:
        setattr(asset, name, values[name])
    return _save(asset, changed, "content asset") if changed else asset


@transaction.atomic
def delete_content_asset(*, by: Membership, asset: ContentAsset) -> None:
    require(by, Capability.WORK_MARKETING_LEADS)
    if asset.events.exists():
        raise Conflict("Leads engaged with this asset; deleting it would erase that from their history.")
    asset.delete()
