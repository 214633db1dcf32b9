from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.conftest import api_client

pytestmark = pytest.mark.django_db
ERROR_KEYS = {"code", "message", "fields"}


def test_me_without_credentials_answers_401_with_the_error_shape(db):
    response = APIClient().get(reverse("api:me"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert set(response.json()) == ERROR_KEYS


def test_unknown_api_address_answers_json_404(marketer):
    response = api_client(marketer).get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_wrong_method_answers_405_in_the_error_shape(marketer):
    response = api_client(marketer).post(reverse("api:me"), {}, format="json")
    assert response.status_code == 405
    assert set(response.json()) == ERROR_KEYS


def test_members_list_is_paged_and_holds_only_the_own_org(marketer, rep, globex_admin):
    body = api_client(marketer).get(reverse("api:members")).json()
    assert set(body) == {"count", "next", "previous", "results"}
    emails = {m["email"] for m in body["results"]}
    assert emails == {marketer.email, rep.email}
    assert set(body["results"][0]) == {"id", "email", "name", "role", "side", "is_active", "is_integration"}


def test_members_filter_by_role(marketer, rep):
    body = api_client(marketer).get(reverse("api:members"), {"role": "sales_rep"}).json()
    assert [m["email"] for m in body["results"]] == [rep.email]
    bad = api_client(marketer).get(reverse("api:members"), {"role": "wizard"})
    assert bad.status_code == 400 and bad.json()["fields"]["role"]


def test_session_signed_in_member_can_read_the_api(client_for, marketer):
    assert client_for(marketer).get(reverse("api:me")).json()["member"]["email"] == marketer.email


@pytest.fixture
def rates(monkeypatch):
    """Lower throttle rates for one test (DRF reads them once, into the throttle class)."""

    def set_rates(**scopes):
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **scopes})

    return set_rates


# The window is a calendar minute; a slow machine must not see the requests straddle two of them.
FROZEN_MID_MINUTE = datetime(2026, 3, 2, 10, 15, 20, tzinfo=UTC)


@time_machine.travel(FROZEN_MID_MINUTE, tick=False)
def test_throttle_answers_429_with_retry_after(marketer, rates):
    rates(member="3/min")
    client = api_client(marketer)
    statuses = [client.get(reverse("api:me")).status_code for _ in range(4)]
    last = client.get(reverse("api:me"))
    assert statuses == [200, 200, 200, 429]
    assert last.status_code == 429 and int(last["Retry-After"]) > 0
    assert last.json()["code"] == "throttled"


def test_throttle_counters_expire_after_their_window(marketer, rates):
    from django.core.cache import caches

    rates(member="5/min")
    api_client(marketer).get(reverse("api:me"))
    counters = caches["throttle"]
    client = counters._cache.get_client()
    [key] = client.keys(f"{counters.key_prefix}*")
    assert int(client.get(key)) == 1
    assert 0 < client.ttl(key) <= 61


@time_machine.travel(FROZEN_MID_MINUTE, tick=False)
def test_anonymous_throttle_cannot_be_dodged_with_x_forwarded_for(db, rates):
    rates(anonymous="2/min")
    statuses = [APIClient().get("/api/schema/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]


def test_schema_describes_the_api_and_docs_load_without_a_cdn(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/me/" in paths and "/api/v1/members/" in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower()
    assert "<script>" not in docs.text


def test_api_over_plain_http_is_refused_where_the_site_requires_https(marketer, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = api_client(marketer).get(reverse("api:me"))
    assert response.status_code == 403 and response.json()["code"] == "https_required"
    assert api_client(marketer).get(reverse("api:me"), secure=True).status_code == 200


def test_with_the_throttle_cache_unreachable_requests_still_pass(marketer, rates, settings):
    from django.core.cache import caches

    rates(member="1/min")
    settings.CACHES = {**settings.CACHES, "throttle": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2}}}  # fmt: skip
    caches["throttle"].close()
    del caches["throttle"]
    client = api_client(marketer)
    assert [client.get(reverse("api:me")).status_code for _ in range(3)] == [200, 200, 200]
