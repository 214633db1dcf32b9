"""Every error a page, an htmx request or an API call can meet, with DEBUG off as in production:
the product's own page or the API's JSON error shape, never a trace, SQL, a setting or a path."""

import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from leads.models import Lead
from tests.conftest import api_client, signed_in

pytestmark = pytest.mark.django_db

# What a leak would look like: the failure's own words, code paths, SQL, settings, library names.
SECRET = "SELECT password FROM accounts_user -- /srv/app/smarketing/settings.py SECRET_KEY"
LEAKS = ["Traceback", 'File "', ".py", "SELECT ", "SECRET_KEY", "psycopg", "django.", "RuntimeError", "/srv/"]
HTMX = {"HX-Request": "true"}


def explode(*args, **kwargs):
    raise RuntimeError(SECRET)


def assert_leaks_nothing(response) -> str:
    body = response.content.decode()
    assert settings.DEBUG is False
    for leak in LEAKS:
        assert leak not in body, f"{leak!r} leaked in a {response.status_code}"
    assert str(settings.BASE_DIR) not in body
    return body


def assert_product_page(response, status: int, words: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    body = assert_leaks_nothing(response)
    assert "Smarketing" in body and words in body
    script_src = next(p for p in response["Content-Security-Policy"].split(";") if "script-src" in p)
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src, "error pages keep the policy"


def assert_error_shape(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert_leaks_nothing(response)
    body = json.loads(response.content)
    assert set(body) >= {"code", "message"} and isinstance(body["message"], str) and body["message"]
    if code:
        assert body["code"] == code


@pytest.fixture
def failing_client():
    def make(member, **headers):
        client = signed_in(member) if member else Client()
        client.raise_request_exception = False
        return client

    return make


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_pages_answer_every_error_with_the_products_own_page(failing_client, marketer, rep, headers, monkeypatch):
    lead = Lead.objects.create(org=marketer.org, email="jane@initech.com")
    client = failing_client(marketer)
    bad_host = client.get(reverse("leads:list"), headers=headers, HTTP_HOST="evil.example")
    assert_product_page(bad_host, 400, "could not be understood")
    assert_product_page(failing_client(rep).get(reverse("leads:list"), headers=headers), 403, "does not allow")
    assert_product_page(client.get("/leads/999999999/", headers=headers), 404, "Page not found")
    not_allowed = client.get(reverse("leads:qualify", args=[lead.pk]), headers=headers)
    assert_product_page(not_allowed, 405, "does not take that kind of request")
    assert not_allowed["Allow"] == "POST"
    monkeypatch.setattr("leads.views.leads.as_lead_rows", explode)
    assert_product_page(client.get(reverse("leads:list"), headers=headers), 500, "Something went wrong")


def test_the_api_answers_every_error_in_its_json_shape(failing_client, marketer, rep, monkeypatch):
    leads = reverse("api:leads")
    assert_error_shape(api_client().get(leads), 401)
    assert_error_shape(api_client(marketer).get("/api/v1/no-such-endpoint/"), 404)
    assert_error_shape(api_client(marketer).get(reverse("api:lead", args=[999999999])), 404)
    assert_error_shape(api_client(marketer).delete(reverse("api:me")), 405)
    broken = api_client(marketer).post(leads, data='{"email": ', content_type="application/json")
    assert_error_shape(broken, 400)
    assert_error_shape(api_client(rep).post(leads, {"email": "a@b.test"}, format="json"), 403)
    client = api_client(marketer)
    client.raise_request_exception = False
    monkeypatch.setattr("leads.api.lead_list", explode)
    assert_error_shape(client.get(leads), 500, "server_error")


def test_a_crash_is_logged_for_the_team_with_its_trace(failing_client, marketer, monkeypatch, caplog):
    monkeypatch.setattr("leads.views.leads.as_lead_rows", explode)
    failing_client(marketer).get(reverse("leads:list"))
    assert any(SECRET in (record.exc_text or str(record.exc_info)) for record in caplog.records if record.exc_info)
