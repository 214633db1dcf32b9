"""The demo organization "Acme Demo" and its six people (SPEC section 9). Safe to run again."""

from datetime import date, time

from django.db import transaction
from django.utils import timezone

from accounts.models import Holiday, Membership, Organization, User
from accounts.roles import Role, Side

DEMO_SLUG = "acme-demo"
DEMO_PASSWORD = "smarketing-demo"  # noqa: S105 -- published in the README on purpose
DEMO_PEOPLE = [
    ("marketer@demo.test", "Maria Marketer", Role.MARKETER, Side.MARKETING),
    ("mmanager@demo.test", "Martin Marketing-Manager", Role.MARKETING_MANAGER, Side.MARKETING),
    ("rep1@demo.test", "Rita Rep", Role.SALES_REP, Side.SALES),
    ("rep2@demo.test", "Rafael Rep", Role.SALES_REP, Side.SALES),
    ("smanager@demo.test", "Sandra Sales-Manager", Role.SALES_MANAGER, Side.SALES),
    ("admin@demo.test", "Alex Admin", Role.ADMIN, Side.MARKETING),
]


@transaction.atomic
def seed_organization() -> Organization:
    org, _ = Organization.objects.get_or_create(
        slug=DEMO_SLUG,
        defaults={
            "name": "Acme Demo",
            "time_zone": "Europe/Berlin",
            "business_day_start": time(9, 0),
            "business_day_end": time(17, 30),
            "holiday_country": "DE",
        },
    )
    for email, name, role, side in DEMO_PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name)
        Membership.objects.get_or_create(org=org, user=user, defaults={"role": role, "side": side})
    Holiday.objects.get_or_create(
        org=org, date=date(timezone.now().year, 12, 24), defaults={"name": "Christmas Eve (office closed)"}
    )
    return org
