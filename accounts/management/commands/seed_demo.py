from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, DEMO_PEOPLE, seed_organization
from feedback.demo import seed_handoffs
from feedback.services.snapshots import refresh_dashboards
from leads.demo import seed_criteria, seed_leads
from sla.demo import seed_agreement


class Command(BaseCommand):
    help = "Create or complete the demo organization 'Acme Demo' (acme-demo) with its demo users and data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even on an https (production-like) site: demo passwords are public.",
        )

    def handle(self, *args, force: bool = False, **options):
        if settings.HTTPS and not force:
            raise CommandError(
                "This site is served over https: demo users have a public password. Use --force if you mean it."
            )
        org = seed_organization()
        # Each app adds its part of the demo in turn; every step skips what is already there.
        seed_leads(org)
        seed_criteria(org)
        seed_handoffs(org)
        seed_agreement(org)
        refresh_dashboards(org_id=org.pk, full=True)
        self.stdout.write(self.style.SUCCESS(f"Demo organization “{org.name}” ({org.slug}) is ready."))
        self.stdout.write(f"Sign in with any of these, password {DEMO_PASSWORD}:")
        for email, _name, role, _side in DEMO_PEOPLE:
            self.stdout.write(f"  {email:<22} {role.label}")
