import re

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from smarketing.views import server_error

pytestmark = pytest.mark.django_db


def script_src(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(part for part in policy.split(";") if part.strip().startswith("script-src"))


@pytest.mark.parametrize(
    "name", ["home", "accounts:account", "accounts:members", "accounts:settings", "accounts:tokens"]
)
def test_every_page_carries_a_nonce_policy_without_inline_or_eval(client_for, admin, name):
    response = client_for(admin).get(reverse(name))
    assert response.status_code == 200
    src = script_src(response)
    assert "'nonce-" in src and "unsafe-inline" not in src and "unsafe-eval" not in src
    nonce = re.search(r"'nonce-([^']+)'", src).group(1)
    for tag in re.findall(r"<script[^>]*>", response.text):
        assert f'nonce="{nonce}"' in tag
    assert "style=" not in response.text


def test_login_page_is_public_and_protected_too(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_unknown_page_shows_the_products_404(client_for, marketer):
    response = client_for(marketer).get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.text and "Smarketing" in response.text


def test_server_error_page_leaks_nothing(db):
    page = server_error(RequestFactory().get("/somewhere/"))
    assert page.status_code == 500 and b"Something went wrong" in page.content
    api = server_error(RequestFactory().get("/api/v1/leads/"))
    assert api.status_code == 500 and b'"code": "server_error"' in api.content


def test_htmx_post_without_the_csrf_header_is_refused_and_with_it_accepted(admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin.user, backend="accounts.backends.MemberBackend")
    page = client.get(reverse("accounts:settings"))
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page.text).group(1)
    url = reverse("accounts:holiday_add")
    data = {"date": "2026-05-01", "name": "May Day"}
    refused = client.post(url, data, headers={"HX-Request": "true"})
    assert refused.status_code == 403 and "expired" in refused.text
    accepted = client.post(url, data, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert accepted.status_code == 200 and "May Day" in accepted.text


def test_expired_session_on_an_htmx_request_sends_the_browser_to_sign_in(client):
    response = client.get(reverse("accounts:audit_log"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("accounts:login"))


def test_role_without_rights_gets_the_products_403(client_for, rep):
    response = client_for(rep).get(reverse("accounts:members"))
    assert response.status_code == 403 and "You cannot open this" in response.text
