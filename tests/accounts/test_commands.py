import logging
import time

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_PEOPLE
from accounts.models import Membership, Organization, User
from accounts.roles import Role
from smarketing.celery import app as celery_app
from smarketing.queue import enqueue_on_commit
from smarketing.tasks import record_worker_heartbeat

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_builds_one_demo_org_with_its_six_people(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    org = Organization.objects.get(slug="acme-demo")
    assert org.name == "Acme Demo"
    members = Membership.objects.filter(org=org)
    assert sorted(m.user.email for m in members) == sorted(email for email, *_ in DEMO_PEOPLE)
    assert User.objects.count() == 6
    assert "smarketing-demo" in capsys.readouterr().out


def test_seed_demo_refuses_a_production_like_site(settings):
    settings.HTTPS = True
    with pytest.raises(CommandError, match="https"):
        call_command("seed_demo")
    assert not Organization.objects.exists()


def test_create_org_makes_an_admin_and_prints_and_mails_the_link(capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("create_org", "initech", "Initech", "Bill@Initech.test", "--time-zone", "America/Chicago")
    admin = Membership.objects.select_related("org", "user").get()
    assert (admin.org.slug, admin.org.time_zone, admin.role, admin.user.email) == (
        "initech", "America/Chicago", Role.ADMIN, "bill@initech.test",
    )  # fmt: skip
    link = capsys.readouterr().out.strip().rsplit(" ", 1)[1]
    assert "/accounts/invitation/" in link
    assert link.split("8000", 1)[1] in mail.outbox[0].body


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Bad Slug!", "X", "a@b.test"], "slug"),
        (["ok", "X", "not-an-email"], "email address"),
        (["acme", "X", "a@b.test"], "taken"),
    ],
)
def test_create_org_refuses_bad_arguments_and_creates_nothing(acme, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_org", *args)
    assert Organization.objects.count() == 1


def test_enqueue_with_the_broker_down_neither_hangs_nor_fails_the_caller(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    # Pools of this test's own: connections to the dead broker must not serve later tests' enqueues.
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(record_worker_heartbeat)
    assert time.monotonic() - started < 15
    assert "could not enqueue" in caplog.text
