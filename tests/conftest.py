"""Personas: the Acme organization's people, and Globex, another tenant whose data must never show."""

import os
import uuid

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.middleware import SESSION_ORG_KEY
from accounts.models import Membership
from accounts.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, make_token

# Playwright's sync API leaves an event loop in the test thread for the rest of the session; the
# ORM calls the tests make beside it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory):
    """Pages use the production static storage (hashed names), so the tests collect static files once."""
    settings.STATIC_ROOT = tmp_path_factory.mktemp("static")
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def fresh_throttle_counters():
    """Throttle counters live in Redis, beyond the test's transaction: each test counts from zero."""
    from django.core.cache import caches

    caches["throttle"].key_prefix = f"throttle-test-{uuid.uuid4().hex}"


@pytest.fixture(autouse=True)
def fresh_waiting_marks(monkeypatch):
    """The marks of queued jobs live in the broker's Redis too, where a test's job never runs."""
    from smarketing import queue

    monkeypatch.setattr(queue, "waiting_prefix", f"waiting-test-{uuid.uuid4().hex}")


@pytest.fixture
def acme(db):
    return OrganizationFactory(name="Acme", slug="acme")


@pytest.fixture
def globex(db):
    return OrganizationFactory(name="Globex", slug="globex")


def _member(org, role: str, email: str, name: str) -> Membership:
    return MembershipFactory(org=org, role=role, user__email=email, user__full_name=name)


@pytest.fixture
def marketer(acme):
    return _member(acme, Role.MARKETER, "marketer@acme.test", "Maria Marketer")


@pytest.fixture
def marketing_manager(acme):
    return _member(acme, Role.MARKETING_MANAGER, "mmanager@acme.test", "Martin Manager")


@pytest.fixture
def rep(acme):
    return _member(acme, Role.SALES_REP, "rep@acme.test", "Rita Rep")


@pytest.fixture
def rep2(acme):
    return _member(acme, Role.SALES_REP, "rep2@acme.test", "Rafael Rep")


@pytest.fixture
def sales_manager(acme):
    return _member(acme, Role.SALES_MANAGER, "smanager@acme.test", "Sandra Manager")


@pytest.fixture
def admin(acme):
    return _member(acme, Role.ADMIN, "admin@acme.test", "Alex Admin")


@pytest.fixture
def globex_admin(globex):
    return _member(globex, Role.ADMIN, "admin@globex.test", "Gus Globex")


def signed_in(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user, backend="accounts.backends.MemberBackend")
    session = client.session
    session[SESSION_ORG_KEY] = member.org_id
    session.save()
    return client


def api_client(member: Membership | None = None) -> APIClient:
    client = APIClient()
    if member is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(member)}")
    return client


@pytest.fixture
def client_for():
    return signed_in


@pytest.fixture
def api_for():
    return api_client


# Real hashing costs half a second per sign-in; the tests check behaviour, not hashing strength.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def database_url_for_subprocesses() -> str:
    """A URL for the database this test run uses, for processes the tests start (workers, servers)."""
    from urllib.parse import quote

    from django.db import connection

    db = connection.settings_dict
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    auth = quote(db["USER"] or "postgres") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgresql://{auth}@{host}{port}/{db['NAME']}"
