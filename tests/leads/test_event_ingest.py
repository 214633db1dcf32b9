from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import IdempotencyKey
from leads.models import ContentAsset, EngagementEvent, Lead, PendingEvaluation
from leads.services.engagement import CHUNK, refresh_engagement_scores, rescore_leads
from leads.services.leads import upsert_leads
from leads.services.qualification import sweep_pending_evaluations
from leads.tasks import evaluate_pending_task
from tests.conftest import api_client

pytestmark = pytest.mark.django_db
EVENTS = reverse("api:events")


def when(days_ago: float = 0) -> str:
    return (timezone.now() - timedelta(days=days_ago)).isoformat()


@pytest.fixture
def jane(acme):
    upsert_leads(org=acme, items=[{"external_id": "hs-1", "email": "jane@initech.com"}])
    return Lead.objects.get(org=acme, external_id="hs-1")


def send(member, body, **headers):
    return api_client(member).post(EVENTS, body, format="json", headers=headers)


def test_an_event_is_stored_and_its_leads_score_follows_in_the_background(
    marketer, jane, asset, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as enqueued:
        response = send(marketer, {"lead": jane.pk, "asset": asset.pk, "kind": "download", "occurred_at": when()})
    assert response.status_code == 201
    assert response.json()["status"] == "created"
    assert len(enqueued) == 1
    assert PendingEvaluation.objects.filter(lead=jane).exists()
    evaluate_pending_task(jane.org_id)
    jane.refresh_from_db()
    assert jane.engagement_score == 5.0
    assert not PendingEvaluation.objects.exists()


def test_an_event_redelivered_is_stored_once(marketer, jane):
    event = {"external_id": "ev-9", "lead_email": "JANE@initech.com", "kind": "view", "occurred_at": when(1)}
    first = send(marketer, {"items": [event]}).json()
    again = send(marketer, {"items": [event, event]}).json()
    assert first["counts"]["created"] == 1
    assert again["counts"] == {"created": 0, "updated": 0, "duplicate": 2, "error": 0}
    stored = EngagementEvent.objects.get()
    assert [r["id"] for r in again["results"]] == [stored.pk, stored.pk]


def test_a_batch_mixing_new_and_redelivered_events_reports_each_with_its_stored_id(marketer, jane):
    old = {"external_id": "ev-1", "lead": jane.pk, "kind": "view", "occurred_at": when(1)}
    first_id = send(marketer, {"items": [old]}).json()["results"][0]["id"]
    new = {"external_id": "ev-2", "lead": jane.pk, "kind": "click", "occurred_at": when()}
    body = send(marketer, {"items": [new, old, new]}).json()
    assert [r["status"] for r in body["results"]] == ["created", "duplicate", "duplicate"]
    new_id = EngagementEvent.objects.get(external_id="ev-2").pk
    assert [r["id"] for r in body["results"]] == [new_id, first_id, new_id]


def test_a_repeated_external_id_is_stored_from_its_first_valid_appearance(marketer, jane):
    refused = {"external_id": "ev-5", "lead": jane.pk + 1000, "kind": "view", "occurred_at": when()}
    body = send(marketer, {"items": [refused, refused | {"lead": jane.pk}]}).json()
    assert [r["status"] for r in body["results"]] == ["error", "created"]
    assert EngagementEvent.objects.get(external_id="ev-5").lead_id == jane.pk


def test_leads_and_assets_are_named_by_id_external_id_or_email(marketer, jane, asset):
    items = [
        {"lead": jane.pk, "asset": asset.pk, "kind": "view", "occurred_at": when()},
        {"lead_external_id": "hs-1", "asset_external_id": "wp-1", "kind": "click", "occurred_at": when()},
        {"lead_email": "jane@initech.com", "kind": "email_open", "occurred_at": when()},
    ]
    assert send(marketer, {"items": items}).json()["counts"]["created"] == 3
    assert EngagementEvent.objects.filter(asset=asset).count() == 2


def test_an_unknown_asset_is_created_from_its_title_once(marketer, jane):
    item = {"lead": jane.pk, "asset_external_id": "web-7", "asset_title": "Pricing", "asset_kind": "pricing_page",
            "asset_url": "https://acme.test/pricing", "kind": "view", "occurred_at": when()}  # fmt: skip
    send(marketer, {"items": [item, item | {"kind": "click"}]})
    asset = ContentAsset.objects.get(external_id="web-7")
    assert (asset.title, asset.kind, asset.url) == ("Pricing", "pricing_page", "https://acme.test/pricing")
    assert asset.events.count() == 2


def test_malformed_events_are_refused_one_by_one_and_counts_add_up(marketer, jane, globex):
    theirs = Lead.objects.create(org=globex, email="secret@globex.test")
    foreign_asset = ContentAsset.objects.create(org=globex, title="Theirs")
    items = [
        {"lead": jane.pk, "kind": "view", "occurred_at": when()},
        {"lead": jane.pk, "kind": "teleport", "occurred_at": when()},
        {"lead": jane.pk, "kind": "view", "occurred_at": "2026-03-01T10:00:00"},
        {"lead": jane.pk, "kind": "view", "occurred_at": when(-3)},
        {"lead": jane.pk, "kind": "view", "occurred_at": "last tuesday"},
        {"kind": "view", "occurred_at": when()},
        {"lead": jane.pk, "lead_email": "jane@initech.com", "kind": "view", "occurred_at": when()},
        {"lead": theirs.pk, "kind": "view", "occurred_at": when()},
        {"lead": jane.pk, "asset": foreign_asset.pk, "kind": "view", "occurred_at": when()},
        {"lead": jane.pk, "asset_external_id": "nothing", "kind": "view", "occurred_at": when()},
        {"lead": jane.pk, "kind": "view", "occurred_at": when(), "metadata": ["not", "an", "object"]},
        {"lead": "abc", "kind": "view", "occurred_at": when()},
        7,
        {"lead_email": "nobody@initech.com", "kind": "view", "occurred_at": when()},
        {"lead": jane.pk, "kind": "reply", "occurred_at": when(), "external_id": "ok-2"},
    ]
    body = send(marketer, {"items": items}).json()
    assert sum(body["counts"].values()) == len(items)
    assert body["counts"] == {"created": 2, "updated": 0, "duplicate": 0, "error": 13}
    errors = {r["index"]: r["errors"] for r in body["results"] if r["status"] == "error"}
    assert "kind" in errors[1]
    assert "UTC offset" in errors[2]["occurred_at"][0]
    assert "future" in errors[3]["occurred_at"][0]
    assert errors[7] == {"lead": [f"No lead with id {theirs.pk} in your organization."]}
    assert errors[8] == {"asset": [f"No content asset {foreign_asset.pk} in your organization."]}
    assert "asset_title" in errors[9]["asset_external_id"][0]
    assert EngagementEvent.objects.count() == 2
    assert not EngagementEvent.objects.filter(lead=theirs).exists()


def test_more_than_5000_events_answer_413(marketer, jane):
    items = [{"lead": jane.pk, "kind": "view", "occurred_at": when()}] * 5001
    response = send(marketer, {"items": items})
    assert response.status_code == 413
    assert not EngagementEvent.objects.exists()


def test_a_single_invalid_event_answers_400_in_the_error_shape(marketer):
    response = send(marketer, {"kind": "view"})
    assert response.status_code == 400
    assert {"lead", "occurred_at"} <= set(response.json()["fields"])


def test_scores_of_many_leads_are_caught_up_by_the_sweeper_when_the_job_was_lost(marketer, acme):
    upsert_leads(org=acme, items=[{"email": f"p{n}@initech.com"} for n in range(CHUNK + 5)])
    leads = list(Lead.objects.filter(org=acme).order_by("id"))
    send(marketer, {"items": [{"lead": lead.pk, "kind": "attend", "occurred_at": when()} for lead in leads]})
    assert PendingEvaluation.objects.count() == len(leads)
    assert sweep_pending_evaluations() == 0  # too fresh: its job is still expected to come
    PendingEvaluation.objects.update(since=timezone.now() - timedelta(minutes=5))
    assert sweep_pending_evaluations() == len(leads)
    assert not PendingEvaluation.objects.exists()
    assert set(Lead.objects.values_list("engagement_score", flat=True)) == {10.0}


def test_nightly_refresh_lets_scores_fade_with_time(acme, jane):
    EngagementEvent.objects.create(org=acme, lead=jane, kind="attend", occurred_at=timezone.now() - timedelta(days=30))
    rescore_leads(org_id=acme.pk, lead_ids=[jane.pk])
    jane.refresh_from_db()
    assert jane.engagement_score == 5.0
    EngagementEvent.objects.update(occurred_at=timezone.now() - timedelta(days=60))
    assert refresh_engagement_scores(org_id=acme.pk) == 1
    jane.refresh_from_db()
    assert jane.engagement_score == 2.5


def test_a_retry_with_the_same_idempotency_key_replays_the_first_answer(marketer, jane):
    body = {"items": [{"lead": jane.pk, "kind": "view", "occurred_at": when()}]}
    first = send(marketer, body, **{"Idempotency-Key": "batch-1"})
    again = send(marketer, body, **{"Idempotency-Key": "batch-1"})
    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert EngagementEvent.objects.count() == 1


def test_the_same_key_with_another_body_answers_422_and_stores_nothing(marketer, jane):
    send(marketer, {"items": []}, **{"Idempotency-Key": "k-2"})
    body = {"items": [{"lead": jane.pk, "kind": "view", "occurred_at": when()}]}
    response = send(marketer, body, **{"Idempotency-Key": "k-2"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert not EngagementEvent.objects.exists()


def test_a_duplicate_arriving_while_the_first_is_processed_answers_409(marketer, jane):
    import hashlib

    raw = b'{"items":[]}'
    fingerprint = hashlib.sha256(b"POST " + EVENTS.encode() + b"\n" + raw).hexdigest()
    IdempotencyKey.objects.create(org=marketer.org, member=marketer, key="k-3", fingerprint=fingerprint)
    client = api_client(marketer)
    response = client.post(EVENTS, raw, content_type="application/json", headers={"Idempotency-Key": "k-3"})
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_use"


def test_a_claim_whose_request_died_is_taken_over_after_five_minutes(marketer, jane):
    import hashlib
    import json

    raw = json.dumps({"items": [{"lead": jane.pk, "kind": "view", "occurred_at": when()}]}).encode()
    fingerprint = hashlib.sha256(b"POST " + EVENTS.encode() + b"\n" + raw).hexdigest()
    IdempotencyKey.objects.create(org=marketer.org, member=marketer, key="k-4", fingerprint=fingerprint)
    client = api_client(marketer)

    def post():
        return client.post(EVENTS, raw, content_type="application/json", headers={"Idempotency-Key": "k-4"})

    assert post().status_code == 409
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(minutes=6))
    response = post()
    assert response.status_code == 200 and response.json()["counts"]["created"] == 1
    assert IdempotencyKey.objects.get(key="k-4").state == IdempotencyKey.State.DONE
    assert post().json() == response.json()


def test_idempotency_keys_are_per_member_and_expire_after_a_day(marketer, marketing_manager, jane):
    body = {"items": [{"lead": jane.pk, "kind": "view", "occurred_at": when()}]}
    send(marketer, body, **{"Idempotency-Key": "shared"})
    send(marketing_manager, body, **{"Idempotency-Key": "shared"})
    assert EngagementEvent.objects.count() == 2
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    send(marketer, body, **{"Idempotency-Key": "shared"})
    assert EngagementEvent.objects.count() == 3


def test_the_lead_detail_shows_the_timeline_and_the_scores_parts(marketer, jane, asset):
    send(marketer, {"items": [
        {"lead": jane.pk, "asset": asset.pk, "kind": "download", "occurred_at": when(0)},
        {"lead": jane.pk, "kind": "view", "occurred_at": when(1)},
    ]})  # fmt: skip
    body = api_client(marketer).get(reverse("api:lead", args=[jane.pk])).json()
    assert [e["kind"] for e in body["timeline"]] == ["download", "view"]
    assert body["timeline"][0]["asset_title"] == "Cost of churn whitepaper"
    assert [p["kind"] for p in body["engagement_parts"]] == ["download", "view"]
    evaluate_pending_task(jane.org_id)
    body = api_client(marketer).get(reverse("api:lead", args=[jane.pk])).json()
    assert body["engagement_score"] == pytest.approx(sum(p["points"] for p in body["engagement_parts"]), abs=0.11)


@pytest.mark.django_db(transaction=True)
def test_an_event_arriving_while_a_job_claims_the_leads_note_leaves_the_lead_noted_anew(acme):
    import threading
    import time

    from django.db import connection, transaction

    from leads.services.events import record_engagement_events

    upsert_leads(org=acme, items=[{"external_id": "hs-1", "email": "jane@initech.com"}])
    jane = Lead.objects.get(org=acme, external_id="hs-1")
    record_engagement_events(org=acme, items=[{"lead": jane.pk, "kind": "view", "occurred_at": when()}])
    assert PendingEvaluation.objects.filter(lead=jane, engaged=True).exists()
    claimed, recorded = threading.Event(), []

    def job_claims_the_note():
        try:
            with transaction.atomic():
                PendingEvaluation.objects.filter(lead=jane).delete()
                claimed.set()
                time.sleep(0.5)  # the event arrives meanwhile and waits for this claim to commit
        finally:
            connection.close()

    def event_arrives():
        claimed.wait()
        try:
            recorded.append(record_engagement_events(org=acme, items=[{"lead": jane.pk, "kind": "click",
                                                                       "occurred_at": when()}]))  # fmt: skip
        finally:
            connection.close()

    threads = [threading.Thread(target=job_claims_the_note), threading.Thread(target=event_arrives)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert recorded[0].counts["created"] == 1
    assert PendingEvaluation.objects.filter(lead=jane, engaged=True).exists()
