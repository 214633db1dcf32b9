from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import active_member_by_email
from accounts.services import create_api_token


class Command(BaseCommand):
    help = "Create an API token for a member and print it once. It is stored hashed and cannot be shown again."

    def add_arguments(self, parser):
        parser.add_argument("org_slug")
        parser.add_argument("member_email")
        parser.add_argument("name", help="Where the token is used, e.g. 'HubSpot workflow'.")

    def handle(self, org_slug: str, member_email: str, name: str, **options):
        member = active_member_by_email(org_slug=org_slug, email=member_email)
        if member is None:
            raise CommandError(f"No active member {member_email} in organization {org_slug}.")
        if not name.strip():
            raise CommandError("Give the token a name.")
        _token, secret = create_api_token(by=member, member=member, name=name)
        self.stdout.write(secret)
