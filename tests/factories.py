"""Factories whose sub-objects always share one organization."""

import factory

from accounts.models import ApiToken, Membership, Organization, User
from accounts.roles import Role
from accounts.security import hash_secret, new_token_parts, token_string

PASSWORD = "correct horse battery staple"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    time_zone = "Europe/Berlin"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    org = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MARKETER
    side = factory.LazyAttribute(lambda m: Membership.side_for(m.role))


def make_token(member: Membership, name: str = "test") -> str:
    """A live API token for the member; returns the secret string to send."""
    public_id, secret = new_token_parts()
    ApiToken.objects.create(
        org=member.org,
        member=member,
        name=name,
        public_id=public_id,
        secret_hash=hash_secret(secret),
        created_by=member,
    )
    return token_string(public_id, secret)


def store_evaluation(lead, version, rules: list[dict], outcomes: list[dict], **fields):
    """The lead's stored evaluation by `version`, whose rules (created here unless it has some) are
    `rules`, one per outcome ({"rule", "result", "reason", ...}, as LeadEvaluation.outcomes gives)."""
    from django.utils import timezone

    from leads.models import CriteriaRule, LeadEvaluation

    if not version.rules.exists():
        CriteriaRule.objects.bulk_create(
            CriteriaRule(org_id=version.org_id, version=version, position=n, **rule) for n, rule in enumerate(rules)
        )
    values = {"fit_score": lead.fit_score or 0, "engagement_score": 0, "qualified": True,
              "evaluated_at": timezone.now()} | fields  # fmt: skip
    return LeadEvaluation.objects.create(
        lead=lead, org_id=lead.org_id, version=version, results="".join(o["result"][0] for o in outcomes),
        reasons=[o["reason"] for o in outcomes], **values,
    )  # fmt: skip
