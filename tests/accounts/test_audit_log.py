import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_entries_cannot_be_changed_or_deleted_even_from_code(acme):
    event = AuditEvent.objects.create(org=acme, kind=AuditEvent.Kind.LOGIN_SUCCEEDED, actor_label="x@acme.test")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor_label="someone else")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).actor_label == "x@acme.test"


def test_admin_sees_own_org_events_filtered_by_kind(client_for, admin, globex):
    AuditEvent.objects.create(org=admin.org, kind=AuditEvent.Kind.TOKEN_CREATED, actor_label="ours@acme.test")
    AuditEvent.objects.create(org=admin.org, kind=AuditEvent.Kind.LOGGED_OUT, actor_label="leaver@acme.test")
    AuditEvent.objects.create(org=globex, kind=AuditEvent.Kind.TOKEN_CREATED, actor_label="theirs@globex.test")
    client = client_for(admin)
    page = client.get(reverse("accounts:audit_log")).text
    assert "ours@acme.test" in page and "leaver@acme.test" in page
    assert "theirs@globex.test" not in page
    filtered = client.get(reverse("accounts:audit_log"), {"kind": "token_created"}, headers={"HX-Request": "true"})
    assert "ours@acme.test" in filtered.text and "leaver@acme.test" not in filtered.text
    assert "<html" not in filtered.text


def test_no_password_appears_in_the_audit_log_after_failed_and_good_sign_ins(client, marketer):
    client.post(reverse("accounts:login"), {"email": marketer.email, "password": "hunter2-secret"})
    client.post(reverse("accounts:login"), {"email": marketer.email, "password": "correct horse battery staple"})
    dumped = " ".join(str(row) for row in AuditEvent.objects.values())
    assert "hunter2-secret" not in dumped and "correct horse" not in dumped
    assert AuditEvent.objects.count() == 2
