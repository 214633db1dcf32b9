import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"email": email, "password": password, **extra})


def test_member_signs_in_with_email_and_password_and_lands_home(marketer):
    client = Client()
    response = sign_in(client, "Marketer@Acme.test")
    assert response.status_code == 302
    assert response.url == reverse("home")
    home = client.get(reverse("home"))
    assert "Maria Marketer" in home.text
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_SUCCEEDED)
    assert (event.org, event.actor, event.ip_address) == (marketer.org, marketer.user, "127.0.0.1")


def test_wrong_password_is_refused_with_a_message_and_audited(marketer):
    client = Client()
    response = sign_in(client, marketer.email, "not the password")
    assert response.status_code == 200
    assert "do not match an active account" in response.text
    assert client.get(reverse("home")).status_code == 302
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED)
    assert (event.org, event.actor_label, event.outcome) == (marketer.org, marketer.email, "failed")
    assert "not the password" not in str(event.details)


def test_unknown_address_fails_the_same_way_and_is_audited_without_org(db):
    response = sign_in(Client(), "nobody@nowhere.test")
    assert "do not match an active account" in response.text
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED)
    assert event.org is None and event.actor is None and event.actor_label == "nobody@nowhere.test"


def test_repeated_failures_lock_the_account_even_for_the_right_password(marketer, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, marketer.email, "wrong").status_code == 200
    locked = sign_in(client, marketer.email, "wrong")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    again = sign_in(client, marketer.email)
    assert again.status_code == 429
    assert client.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGIN_LOCKED_OUT, org=marketer.org).exists()


def test_lockout_of_one_address_leaves_other_members_able_to_sign_in(marketer, rep, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, marketer.email, "wrong")
    assert sign_in(client, rep.email).status_code == 302


def test_sign_out_needs_a_post_and_ends_the_session(client_for, marketer):
    client = client_for(marketer)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGGED_OUT, actor=marketer.user).exists()


def test_deactivated_member_is_signed_out_on_the_next_request(client_for, marketer):
    client = client_for(marketer)
    assert client.get(reverse("home")).status_code == 200
    marketer.is_active = False
    marketer.save(update_fields=["is_active"])
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert sign_in(Client(), marketer.email).status_code == 200


def test_member_of_two_orgs_keeps_working_in_the_one_not_deactivated(client_for, marketer, globex):
    other = MembershipFactory(org=globex, user=marketer.user)
    client = client_for(marketer)
    marketer.is_active = False
    marketer.save(update_fields=["is_active"])
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Globex" in home.text
    assert other.is_active


def test_next_parameter_never_leads_off_site(marketer):
    response = sign_in(Client(), marketer.email, next="https://evil.example/steal")
    assert response.url == reverse("home")
    response = sign_in(Client(), marketer.email, next=reverse("accounts:account"))
    assert response.url == reverse("accounts:account")


def test_signed_in_member_opening_login_goes_home(client_for, marketer):
    assert client_for(marketer).get(LOGIN).url == reverse("home")


def test_member_switches_to_another_org_and_not_to_a_foreign_one(client_for, marketer, globex):
    MembershipFactory(org=globex, user=marketer.user)
    stranger_org = MembershipFactory().org
    client = client_for(marketer)
    client.post(reverse("accounts:switch_org"), {"org": stranger_org.pk})
    assert "Acme" in client.get(reverse("home")).text
    client.post(reverse("accounts:switch_org"), {"org": globex.pk})
    assert "Globex ·" in client.get(reverse("home")).text
