import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken, AuditEvent
from accounts.roles import Role
from tests.factories import MembershipFactory, make_token

pytestmark = pytest.mark.django_db
TOKENS = reverse("accounts:tokens")
ME = reverse("api:me")


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_member_creates_a_token_shown_once_and_stored_hashed(client_for, rep):
    client = client_for(rep)
    response = client.post(TOKENS, {"name": "My CRM", "member": rep.pk})
    secret = re.search(r"smk_[0-9a-f]+_[\w-]+", response.text).group(0)
    assert response["Cache-Control"].startswith("max-age=0")
    stored = ApiToken.objects.get()
    assert secret.split("_", 2)[2] not in stored.secret_hash
    assert secret not in client.get(TOKENS).text
    assert bearer(secret).get(ME).json()["member"]["email"] == rep.email
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.TOKEN_CREATED)
    assert secret not in str(event.details) and event.details["name"] == "My CRM"


def test_token_acts_with_its_members_role_and_org(rep):
    body = bearer(make_token(rep)).get(ME).json()
    assert body["member"]["role"] == Role.SALES_REP
    assert body["organization"]["slug"] == "acme"
    assert "work_sales_leads" in body["capabilities"] and "work_marketing_leads" not in body["capabilities"]


@pytest.mark.parametrize(
    "header",
    ["Bearer smk_nothere_secret", "Bearer garbage", "Bearer ", "Token abc", "Bearer smk_" + "x" * 300],
)
def test_bad_tokens_answer_401_with_the_error_shape(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(ME)
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "fields"}


def test_right_id_with_wrong_secret_is_refused(rep):
    token = make_token(rep)
    assert bearer(token[:-3] + "abc").get(ME).status_code == 401


def test_revoked_token_stops_working_at_once(client_for, rep):
    token = make_token(rep)
    client_for(rep).post(reverse("accounts:token_revoke", args=[ApiToken.objects.get().pk]))
    assert bearer(token).get(ME).status_code == 401
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TOKEN_REVOKED).exists()


def test_deactivating_the_member_kills_their_tokens(client_for, admin, rep):
    token = make_token(rep)
    client_for(admin).post(reverse("accounts:member_deactivate", args=[rep.pk]))
    assert bearer(token).get(ME).status_code == 401
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TOKEN_REJECTED, outcome="denied").exists()


def test_rep_cannot_create_a_token_for_someone_else(client_for, rep, rep2):
    response = client_for(rep).post(TOKENS, {"name": "sneaky", "member": rep2.pk})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_admin_creates_a_token_for_an_integration_member(client_for, admin):
    integration = MembershipFactory(org=admin.org, user__is_integration=True)
    client_for(admin).post(TOKENS, {"name": "HubSpot", "member": integration.pk})
    assert ApiToken.objects.get().member == integration


def test_a_rep_sees_and_revokes_only_their_own_tokens(client_for, rep, rep2, admin):
    make_token(rep2, name="rep2's token")
    other = ApiToken.objects.get()
    assert "rep2&#x27;s token" not in client_for(rep).get(TOKENS).text
    assert client_for(rep).post(reverse("accounts:token_revoke", args=[other.pk])).status_code == 404
    assert "rep2&#x27;s token" in client_for(admin).get(TOKENS).text


def test_issue_api_token_command_prints_a_working_token(rep, capsys):
    call_command("issue_api_token", "acme", rep.email, "CLI token")
    token = capsys.readouterr().out.strip()
    assert bearer(token).get(ME).status_code == 200


def test_last_used_time_is_recorded(rep):
    bearer(make_token(rep)).get(ME)
    assert ApiToken.objects.get().last_used_at is not None
