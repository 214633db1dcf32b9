import pytest

from leads.models import Campaign, ContentAsset


@pytest.fixture
def campaign(acme):
    return Campaign.objects.create(org=acme, name="Spring webinar series", external_id="cmp-1")


@pytest.fixture
def asset(acme):
    return ContentAsset.objects.create(
        org=acme, title="Cost of churn whitepaper", kind="whitepaper", external_id="wp-1"
    )
