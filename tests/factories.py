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
