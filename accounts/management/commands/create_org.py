from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email, validate_slug
from django.db import transaction

from accounts.services import create_organization, invitation_path, send_invitation
from smarketing.errors import DomainError


class Command(BaseCommand):
    help = "Create an organization with its first admin, and print (and e-mail) the admin's link to set a password."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("name")
        parser.add_argument("admin_email")
        parser.add_argument("--admin-name", default="", help="The admin's full name (default: from the e-mail).")
        parser.add_argument("--time-zone", default="UTC")

    def handle(self, slug: str, name: str, admin_email: str, admin_name: str, time_zone: str, **options):
        try:
            validate_slug(slug)
            validate_email(admin_email)
        except ValidationError as error:
            raise CommandError(f"Invalid argument: {' '.join(error.messages)}") from None
        try:
            with transaction.atomic():
                admin = create_organization(
                    name=name,
                    slug=slug,
                    admin_email=admin_email,
                    admin_name=admin_name or admin_email.split("@")[0],
                    time_zone=time_zone,
                )
                if not admin.user.has_usable_password():
                    send_invitation(membership=admin, invited_by=None)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS(f"Created {admin.org.name} ({admin.org.slug}) with admin {admin.email}."))
        if not admin.user.has_usable_password():
            link = f"{settings.SITE_URL}{invitation_path(admin.user)}"
            self.stdout.write(f"The admin sets a password here (also sent by e-mail): {link}")
