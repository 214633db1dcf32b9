"""The audit trail as a security reviewer reads it: every security event, hand-off, answer, import
and export of a working day is there with actor, organization, time, IP address and outcome, and
no password, API token or session key ever appears in it or in the logs."""

import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, AuditEvent
from leads.models import Lead, LeadImport
from leads.tasks import run_lead_import_task
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
IP = "203.0.113.7"
K = AuditEvent.Kind


def client_at(ip: str = IP) -> Client:
    return Client(REMOTE_ADDR=ip)


def sign_in(member, password: str = PASSWORD) -> Client:
    client = client_at()
    client.post(reverse("accounts:login"), {"email": member.email, "password": password})
    return client


def mql(org, email: str) -> Lead:
    return Lead.objects.create(org=org, email=email, status=Lead.Status.MQL, country="DE")


def test_a_working_day_leaves_a_complete_trail_and_no_secret(marketer, rep, admin, caplog):
    caplog.set_level(logging.DEBUG)
    sign_in(marketer, "not the password")
    marketer_client = sign_in(marketer)
    admin_client = sign_in(admin)
    rep_client = sign_in(rep)
    session_keys = [c.cookies["sessionid"].value for c in (marketer_client, admin_client, rep_client)]

    page = rep_client.post(reverse("accounts:tokens"), {"name": "My CRM", "member": rep.pk})
    secret = re.search(r"smk_[0-9a-f]+_[\w-]+", page.text).group(0)
    api = Client(REMOTE_ADDR=IP, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get(reverse("api:me")).status_code == 200
    _smk, public_id, _secret = secret.split("_", 2)
    guessed = f"smk_{public_id}_{'x' * 20}"
    assert Client(REMOTE_ADDR=IP, HTTP_AUTHORIZATION=f"Bearer {guessed}").get(reverse("api:me")).status_code == 401

    first, second = mql(marketer.org, "jane@initech.de"), mql(marketer.org, "joe@initech.de")
    for lead in (first, second):
        marketer_client.post(reverse("leads:hand_off", args=[lead.pk]), {"rep": rep.pk, "note": "Call soon"})
    assert api.post(reverse("api:lead-accept", args=[first.pk])).status_code == 200
    rejected = api.post(reverse("api:lead-reject", args=[second.pk]), {"reason": "not_a_fit", "note": "Too small"},
                        content_type="application/json")  # fmt: skip
    assert rejected.status_code == 200

    upload = SimpleUploadedFile("leads.csv", b"Email,First Name\nann@hooli.test,Ann\nbroken,Bob\n", "text/csv")
    marketer_client.post(reverse("leads:import_start"), {"file": upload})
    lead_import = LeadImport.objects.latest("id")
    mapping = {"col_0": "email", "col_1": "first_name"}
    marketer_client.post(reverse("leads:import_mapping", args=[lead_import.pk]), mapping)
    marketer_client.post(reverse("leads:import_run", args=[lead_import.pk]))
    run_lead_import_task(lead_import.pk)
    marketer_client.get(reverse("leads:import_rejections", args=[lead_import.pk]))
    b"".join(marketer_client.get(reverse("leads:export")).streaming_content)
    figure = marketer_client.get(reverse("feedback:dashboard_csv", args=["funnel"]) + "?period=this_month")
    table = marketer_client.get(reverse("feedback:voice_of_sales") + "?export=heard_by_campaign")
    assert figure.status_code == table.status_code == 200 and table["Content-Type"].startswith("text/csv")
    rep_client.post(reverse("accounts:token_revoke", args=[ApiToken.objects.get(member=rep).pk]))
    rep_client.post(reverse("accounts:logout"))

    expected = {
        K.LOGIN_FAILED: (marketer, "failed"), K.LOGIN_SUCCEEDED: (marketer, "ok"),
        K.TOKEN_CREATED: (rep, "ok"), K.TOKEN_REVOKED: (rep, "ok"),
        K.TOKEN_REJECTED: (rep, "denied"), K.LEAD_HANDED_OFF: (marketer, "ok"), K.LEAD_ACCEPTED: (rep, "ok"),
        K.LEAD_REJECTED: (rep, "ok"), K.IMPORT_STARTED: (marketer, "ok"), K.IMPORT_FINISHED: (marketer, "ok"),
        K.REJECTIONS_EXPORTED: (marketer, "ok"), K.LEADS_EXPORTED: (marketer, "ok"), K.LOGGED_OUT: (rep, "ok"),
        K.FIGURES_EXPORTED: (marketer, "ok"),
    }  # fmt: skip
    for kind, (actor, outcome) in expected.items():
        events = AuditEvent.objects.filter(kind=kind, **({"actor": actor.user} if actor else {}))
        assert events.exists(), f"no {kind} by {actor} in the audit log"
        event = events.latest("at")
        assert event.outcome == outcome, kind
        assert event.at is not None, kind
        if kind != K.IMPORT_FINISHED:  # finished by the background job: no caller to have an address
            assert event.ip_address == IP, kind
        if actor is not None:
            assert event.actor_id == actor.user_id and event.org_id == marketer.org_id, kind
            assert event.actor_label == actor.email, kind

    exported = AuditEvent.objects.filter(kind=K.FIGURES_EXPORTED).order_by("at").values_list("target", flat=True)
    assert list(exported) == ["Dashboard: funnel", "voice-of-sales: heard_by_campaign"]

    trail = " ".join(str(row) for row in AuditEvent.objects.values())
    logs = caplog.text + " ".join(str(record.args) for record in caplog.records)
    for secret_text in [PASSWORD, "not the password", secret, secret.split("_", 2)[2], *session_keys]:
        assert secret_text not in trail, "a secret is in the audit log"
        assert secret_text not in logs, "a secret is in the logs"
