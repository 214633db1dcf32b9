import re
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, Membership
from accounts.roles import Role
from accounts.services import change_member_role
from smarketing.errors import Conflict
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
MEMBERS = reverse("accounts:members")


def invite(client, **overrides):
    data = {"full_name": "Nina New", "email": "nina@acme.test", "role": Role.SALES_REP, "side": ""} | overrides
    return client.post(MEMBERS, data)


def link_in(message) -> str:
    return re.search(r"http://[^\s]+/accounts/invitation/[^\s]+/", message.body).group(0)


def test_admin_invites_a_rep_who_sets_a_password_and_lands_home(client_for, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client_for(admin))
    assert response.status_code == 302
    nina = Membership.objects.get(user__email="nina@acme.test")
    assert (nina.org, nina.role, nina.side) == (admin.org, Role.SALES_REP, "sales")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nina@acme.test"]
    assert "Alex Admin invited you to Acme" in message.subject
    assert message.alternatives[0].mimetype == "text/html"

    path = link_in(message).split("8000", 1)[1]
    newcomer = Client()
    assert "Join Acme" in newcomer.get(path).text
    joined = newcomer.post(path, {"full_name": "Nina Newton", "password": "a long fresh password"})
    assert joined.status_code == 302
    assert "Hello, Nina" in newcomer.get(reverse("home")).text
    # The link works once.
    assert Client().get(path).status_code == 400
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.MEMBER_JOINED, org=admin.org).exists()


def test_inviting_an_existing_member_is_refused_and_sends_nothing(client_for, admin, rep):
    response = invite(client_for(admin), email=rep.email)
    assert response.status_code == 200
    assert "Already a member." in response.text
    assert Membership.objects.filter(user=rep.user).count() == 1
    assert mail.outbox == []


def test_person_of_another_org_is_added_and_signs_in_with_their_password(
    client_for, admin, globex_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_for(admin), email=globex_admin.email, role=Role.MARKETER)
    assert Membership.objects.filter(user=globex_admin.user).count() == 2
    assert "/accounts/login/" in mail.outbox[0].body


def test_admin_changes_a_role_and_it_is_audited(client_for, admin, rep):
    client_for(admin).post(reverse("accounts:member_role", args=[rep.pk]), {"role": Role.SALES_MANAGER})
    rep.refresh_from_db()
    assert rep.role == Role.SALES_MANAGER
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.MEMBER_ROLE_CHANGED)
    assert event.details == {"from": "sales_rep", "to": "sales_manager", "side": "sales"}
    assert event.target == rep.email


def test_a_role_of_the_other_side_moves_the_member_to_that_side(client_for, admin, rep):
    client_for(admin).post(reverse("accounts:member_role", args=[rep.pk]), {"role": Role.MARKETER, "side": "sales"})
    rep.refresh_from_db()
    assert (rep.role, rep.side) == (Role.MARKETER, "marketing")


def test_the_last_admin_cannot_step_down_or_be_deactivated(client_for, admin):
    client = client_for(admin)
    response = client.post(reverse("accounts:member_role", args=[admin.pk]), {"role": Role.MARKETER}, follow=True)
    assert "at least one active admin" in response.text
    client.post(reverse("accounts:member_deactivate", args=[admin.pk]))
    admin.refresh_from_db()
    assert (admin.role, admin.is_active) == (Role.ADMIN, True)


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin(acme):
    first = MembershipFactory(org=acme, role=Role.ADMIN)
    second = MembershipFactory(org=acme, role=Role.ADMIN)
    outcomes, barrier = [], threading.Barrier(2)

    def demote(by, target):
        barrier.wait()
        try:
            change_member_role(by=by, member=Membership.objects.get(pk=target.pk), role=Role.MARKETER)
            outcomes.append("demoted")
        except Conflict:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=demote, args=pair) for pair in ((first, second), (second, first))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes) == ["demoted", "refused"]
    assert Membership.objects.filter(org=acme, role=Role.ADMIN, is_active=True).count() == 1


def test_deactivation_ends_access_and_reactivation_restores_it(client_for, admin, rep):
    rep_client = client_for(rep)
    admin_client = client_for(admin)
    admin_client.post(reverse("accounts:member_deactivate", args=[rep.pk]))
    assert rep_client.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.MEMBER_DEACTIVATED, target=rep.email).exists()
    admin_client.post(reverse("accounts:member_reactivate", args=[rep.pk]))
    assert client_for(rep).get(reverse("home")).status_code == 200


def test_resending_an_invitation_mails_a_fresh_link(client_for, admin, django_capture_on_commit_callbacks):
    invite(client_for(admin))
    nina = Membership.objects.get(user__email="nina@acme.test")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin).post(reverse("accounts:member_resend_invitation", args=[nina.pk]))
    assert len(mail.outbox) == 1
    assert "/accounts/invitation/" in mail.outbox[0].body


def test_admin_adds_an_integration_that_cannot_sign_in(client_for, admin):
    response = client_for(admin).post(
        reverse("accounts:integration_add"), {"name": "HubSpot sync", "role": Role.MARKETER}
    )
    integration = Membership.objects.get(user__is_integration=True)
    assert response.url == f"{reverse('accounts:tokens')}?member={integration.pk}"
    assert integration.org == admin.org and integration.role == Role.MARKETER
    assert not integration.user.has_usable_password()
    login = Client().post(reverse("accounts:login"), {"email": integration.email, "password": ""})
    assert login.status_code == 200


def test_members_page_lists_only_own_org(client_for, admin, rep, globex_admin):
    page = client_for(admin).get(MEMBERS).text
    assert rep.email in page
    assert globex_admin.email not in page
