import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, Membership, Organization
from accounts.roles import Role

pytestmark = pytest.mark.django_db
SIGNUP = reverse("accounts:signup")


def form(**overrides) -> dict:
    data = {
        "org_name": "Initech",
        "full_name": "Bill Lumbergh",
        "email": "bill@initech.test",
        "side": "sales",
        "password": "tps reports rule 2026",
    }
    return data | overrides


def test_sign_up_creates_the_org_with_the_signer_as_admin_and_signs_in():
    client = Client()
    response = client.post(SIGNUP, form())
    assert response.status_code == 302
    member = Membership.objects.select_related("org", "user").get(user__email="bill@initech.test")
    assert (member.org.name, member.org.slug, member.role, member.side) == ("Initech", "initech", Role.ADMIN, "sales")
    assert "Initech is ready" in client.get(reverse("home")).text
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGNED_UP, org=member.org).exists()


def test_same_org_name_twice_gets_a_distinct_address():
    Client().post(SIGNUP, form())
    Client().post(SIGNUP, form(email="milton@initech.test"))
    assert sorted(Organization.objects.values_list("slug", flat=True)) == ["initech", "initech-2"]


def test_existing_address_is_refused_and_nothing_is_created(marketer):
    response = Client().post(SIGNUP, form(email="MARKETER@acme.test"))
    assert response.status_code == 200
    assert "already has an account" in response.text
    assert not Organization.objects.filter(name="Initech").exists()


def test_weak_password_is_refused_with_the_reason():
    response = Client().post(SIGNUP, form(password="12345678"))
    assert "too short" in response.text or "too common" in response.text
    assert not Organization.objects.exists()
