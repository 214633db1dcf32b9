import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead, LeadEvaluation, LeadStatusChange, PendingEvaluation, ReevaluationChunk
from leads.scoring import Attribute, Criteria, Operator, Rule
from leads.selectors import impact_preview, reevaluation_progress
from leads.services import qualification
from leads.services.criteria import (
    create_criteria_version,
    propose_criteria_version,
    sign_criteria_version,
    update_criteria_version,
)
from leads.services.leads import upsert_leads
from leads.services.lifecycle import IllegalTransition
from leads.tasks import evaluate_pending_task, reevaluate_chunks_task
from smarketing.errors import DomainError
from tests.conftest import api_client

pytestmark = pytest.mark.django_db
S = Lead.Status
RULES = [
    {"attribute": "country", "operator": "in", "value": ["DE", "AT", "CH"], "required": True},
    {"attribute": "employees", "operator": "gte", "value": 200, "weight": 40},
    {"attribute": "buying_authority", "operator": "in", "value": ["decision_maker"], "weight": 60},
]


def activate(author, approvers, rules=RULES, min_fit=40):
    version = create_criteria_version(by=author)
    update_criteria_version(
        by=author, version=version, name="DACH", summary="", min_fit_score=min_fit, min_engagement_score=0, rules=rules
    )
    propose_criteria_version(by=author, version=version)
    for manager in approvers:
        sign_criteria_version(by=manager, version=version)
    version.refresh_from_db()
    return version


def leads(org, *items):
    result = upsert_leads(org=org, items=list(items))
    return [Lead.objects.get(pk=r.id) for r in result.results]


def run_chunks(version) -> None:
    for chunk_id in ReevaluationChunk.objects.filter(version=version).values_list("id", flat=True):
        reevaluate_chunks_task([chunk_id])


def activated_over(org, items):
    """These leads, then a version activated by people made here (for tests whose own transactions
    commit, where the usual member fixtures do not reach)."""
    from tests.factories import MembershipFactory

    author = MembershipFactory(org=org, role="marketer")
    managers = [MembershipFactory(org=org, role=role) for role in ("marketing_manager", "sales_manager")]
    upsert_leads(org=org, items=items)
    return activate(author, managers)


@pytest.fixture
def managers(marketing_manager, sales_manager):
    return [marketing_manager, sales_manager]


def test_activation_qualifies_open_leads_in_chunks_and_counts_progress(acme, marketer, managers):
    fit, unfit, far = leads(
        acme,
        {"email": "fit@initech.de", "country": "DE", "employees": 500, "buying_authority": "decision_maker"},
        {"email": "small@initech.de", "country": "DE", "employees": 20, "buying_authority": "user"},
        {"email": "far@initech.us", "country": "US", "employees": 5000, "buying_authority": "decision_maker"},
    )
    version = activate(marketer, managers)
    assert reevaluation_progress(version) == (0, 3)
    run_chunks(version)
    assert reevaluation_progress(version) == (3, 3)
    fit.refresh_from_db(), unfit.refresh_from_db(), far.refresh_from_db()
    assert (fit.status, fit.fit_score, fit.criteria_version) == (S.MQL, 100, version)
    assert fit.qualified_at is not None
    assert (unfit.status, unfit.fit_score) == (S.NURTURING, 0)
    assert far.status == S.NURTURING
    outcomes = LeadEvaluation.objects.get(lead=far).outcomes
    assert outcomes[0] == {"rule": "Country is one of DE, AT, CH", "result": "failed",
                           "reason": "Country US is not one of DE, AT, CH", "required": True, "weight": 0}  # fmt: skip
    change = LeadStatusChange.objects.get(lead=fit)
    assert (change.from_status, change.to_status, change.by, change.note) == ("new", "mql", None, "Criteria version 1")


def test_a_chunk_run_twice_counts_and_changes_once(acme, marketer, managers):
    leads(acme, {"email": "fit@initech.de", "country": "DE", "employees": 500, "buying_authority": "decision_maker"})
    version = activate(marketer, managers)
    run_chunks(version)
    run_chunks(version)
    assert reevaluation_progress(version) == (1, 1)
    assert LeadStatusChange.objects.count() == 1


def test_leads_with_sales_are_never_requalified_by_the_criteria(acme, marketer, managers):
    (lead,) = leads(acme, {"email": "busy@initech.de", "country": "FR"})
    Lead.objects.filter(pk=lead.pk).update(status=S.HANDED_OFF)
    version = activate(marketer, managers)
    run_chunks(version)
    lead.refresh_from_db()
    assert lead.status == S.HANDED_OFF


def test_new_and_changed_leads_are_evaluated_by_the_job(acme, marketer, managers):
    activate(marketer, managers)
    PendingEvaluation.objects.all().delete()
    (lead,) = leads(
        acme, {"email": "new@initech.ch", "country": "CH", "employees": 900, "buying_authority": "influencer"}
    )
    assert PendingEvaluation.objects.filter(lead=lead).exists()
    evaluate_pending_task(acme.pk)
    lead.refresh_from_db()
    assert (lead.status, lead.fit_score) == (S.MQL, 40)
    upsert_leads(org=acme, items=[{"email": "new@initech.ch", "country": "FR"}])
    evaluate_pending_task(acme.pk)
    lead.refresh_from_db()
    assert lead.status == S.NURTURING


def test_a_lead_qualified_by_hand_stays_qualified(acme, marketer, managers):
    activate(marketer, managers)
    (lead,) = leads(acme, {"email": "gut@initech.fr", "country": "FR"})
    evaluate_pending_task(acme.pk)
    lead.refresh_from_db()
    lead = qualification.qualify_by_hand(lead=lead, by=marketer, reason="Met at the trade show, ready to buy")
    assert (lead.status, lead.qualified_by) == (S.MQL, marketer)
    upsert_leads(org=acme, items=[{"email": "gut@initech.fr", "job_title": "CEO"}])
    evaluate_pending_task(acme.pk)
    lead.refresh_from_db()
    assert lead.status == S.MQL


def test_qualifying_and_disqualifying_by_hand_need_a_reason_and_a_legal_step(acme, marketer):
    (lead,) = leads(acme, {"email": "x@initech.fr"})
    with pytest.raises(DomainError):
        qualification.disqualify(lead=lead, by=marketer, reason=" ")
    lead = qualification.disqualify(lead=lead, by=marketer, reason="Student, no budget")
    assert lead.status == S.DISQUALIFIED and lead.closed_at is not None
    with pytest.raises(IllegalTransition):
        qualification.qualify_by_hand(lead=lead, by=marketer, reason="changed my mind")
    lead.refresh_from_db()
    assert lead.status == S.DISQUALIFIED


def test_impact_preview_agrees_with_an_independent_count(acme, marketer, managers):
    now = timezone.now()
    items = []
    for n in range(60):
        items.append({
            "email": f"p{n}@co{n}.test", "country": ["DE", "FR", "AT"][n % 3], "employees": (n * 37) % 1000,
            "buying_authority": ["decision_maker", "user"][n % 2],
        })  # fmt: skip
    created = leads(acme, *items)
    # Some leads went to sales: accepted, won, or older than the window.
    for lead in created[::4]:
        Lead.objects.filter(pk=lead.pk).update(handed_off_at=now, accepted_at=now)
    for lead in created[::8]:
        Lead.objects.filter(pk=lead.pk).update(status=S.WON)
    Lead.objects.filter(pk=created[1].pk).update(created_at=now - timedelta(days=120))
    activate(marketer, managers)
    draft = Criteria((Rule(Attribute.COUNTRY, Operator.IN, ["DE"], required=True),
                      Rule(Attribute.EMPLOYEES, Operator.AT_LEAST, 300, weight=10)), min_fit_score=100)  # fmt: skip
    preview = impact_preview(marketer, draft)

    window = Lead.objects.filter(org=acme, created_at__gte=now - timedelta(days=90))
    expected = window.filter(country="DE", employees__gte=300)
    assert preview.considered == window.count() == 59
    assert preview.draft.qualified == expected.count()
    assert preview.draft.handed_off == expected.filter(handed_off_at__isnull=False).count()
    assert preview.draft.accepted == expected.filter(accepted_at__isnull=False).count()
    assert preview.draft.won == expected.filter(status=S.WON).count()
    active_expected = window.filter(country__in=["DE", "AT"]).filter(employees__gte=200) | window.filter(
        country__in=["DE", "AT"], buying_authority="decision_maker"
    )
    assert preview.active.qualified == active_expected.distinct().count()


def test_the_api_lists_versions_with_rules_and_signatures_and_explains_a_lead(acme, marketer, managers, globex_admin):
    version = activate(marketer, managers)
    (lead,) = leads(acme, {"email": "api@initech.de", "country": "DE", "employees": 120, "buying_authority": "user"})
    body = api_client(marketer).get(reverse("api:criteria-versions")).json()
    shown = body["results"][0]
    assert (shown["id"], shown["status"]) == (version.pk, "active")
    assert shown["rules"][0]["text"] == "Country is one of DE, AT, CH"
    assert sorted(s["side"] for s in shown["signatures"]) == ["marketing", "sales"]
    evaluation = api_client(marketer).get(reverse("api:lead-evaluation", args=[lead.pk])).json()
    assert (evaluation["criteria_version"], evaluation["fit_score"], evaluation["qualified"]) == (version.pk, 0, False)
    assert [(r["result"], r["reason"]) for r in evaluation["rules"]] == [
        ("held", "Country DE is one of DE, AT, CH"),
        ("failed", "Employees 120 < 200"),
        ("failed", "Buying authority user is not one of decision maker"),
    ]
    assert api_client(globex_admin).get(reverse("api:lead-evaluation", args=[lead.pk])).status_code == 404
    assert api_client(globex_admin).get(reverse("api:criteria-version", args=[version.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_chunks_of_one_activation_run_side_by_side_on_several_workers(acme):
    import threading

    from django.db import connection

    version = activated_over(acme, [{"email": f"p{n}@co.de", "country": "DE", "employees": 300} for n in range(2500)])
    chunk_ids = list(ReevaluationChunk.objects.filter(version=version).values_list("id", flat=True))
    assert len(chunk_ids) == 3
    barrier = threading.Barrier(3)

    def work(chunk_id):
        barrier.wait()
        try:
            reevaluate_chunks_task([chunk_id])
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(chunk_id,)) for chunk_id in chunk_ids]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert reevaluation_progress(version) == (2500, 2500)
    assert Lead.objects.filter(org=acme, status=S.MQL).count() == 2500


def test_engagement_and_content_rules_count_only_the_leads_own_touches_in_their_window(
    acme, globex, marketer, managers
):
    from leads.models import ContentAsset, EngagementEvent

    now = timezone.now()
    guide = ContentAsset.objects.create(org=acme, title="Churn guide")
    fresh, stale, quiet = leads(
        acme, {"email": "fresh@initech.de"}, {"email": "stale@initech.de"}, {"email": "quiet@initech.de"}
    )
    (outsider,) = leads(globex, {"email": "quiet@initech.de"})
    EngagementEvent.objects.create(org=acme, lead=fresh, asset=guide, kind="demo_request", occurred_at=now)
    EngagementEvent.objects.create(org=acme, lead=fresh, kind="view", occurred_at=now - timedelta(days=3))
    EngagementEvent.objects.create(
        org=acme, lead=stale, asset=guide, kind="demo_request", occurred_at=now - timedelta(days=45)
    )
    EngagementEvent.objects.create(org=globex, lead=outsider, kind="demo_request", occurred_at=now)
    rules = [
        {"attribute": "engagement", "operator": "gte", "value": {"score": 5, "days": 30}, "weight": 50},
        {"attribute": "content", "operator": "engaged_with", "value": {"assets": [guide.pk], "topic": "", "days": 30},
         "weight": 50},
    ]  # fmt: skip
    version = activate(marketer, managers, rules=rules, min_fit=100)
    run_chunks(version)

    def judged(lead):
        evaluation = LeadEvaluation.objects.get(lead=lead)
        return evaluation.fit_score, [(o["result"], o["reason"]) for o in evaluation.outcomes]

    assert judged(fresh)[0] == 100
    assert [result for result, _ in judged(fresh)[1]] == ["held", "held"]
    assert judged(stale) == (0, [("failed", "Engagement over the last 30 days 0 < 5"),
                                 ("failed", "No engagement with 1 chosen asset in the last 30 days")])  # fmt: skip
    assert judged(quiet) == judged(stale)
    statuses = dict(Lead.objects.filter(org=acme).values_list("email", "status"))
    assert statuses == {"fresh@initech.de": S.MQL, "stale@initech.de": S.NURTURING, "quiet@initech.de": S.NURTURING}
    assert not LeadEvaluation.objects.filter(lead=outsider).exists()


def test_an_evaluation_reads_only_the_touches_its_rules_look_at(acme, globex):
    from leads.models import EngagementEvent
    from leads.selectors import leads_to_evaluate

    now = timezone.now()
    (lead,) = leads(acme, {"email": "reader@initech.de"})
    (outsider,) = leads(globex, {"email": "reader@initech.de"})
    for days in (1, 20, 45, 400):
        EngagementEvent.objects.create(org=acme, lead=lead, kind="view", occurred_at=now - timedelta(days=days))
    EngagementEvent.objects.create(org=globex, lead=outsider, kind="view", occurred_at=now)

    def ages(within):
        (read,) = leads_to_evaluate(org_id=acme.pk, lead_ids=[lead.pk, outsider.pk], now=now, touches_within=within)
        return [round((now - touch.occurred_at) / timedelta(days=1)) for touch in read.facts.touches]

    assert ages(timedelta(days=30)) == [20, 1]
    assert ages(timedelta(days=500)) == [45, 20, 1]  # never beyond the engagement horizon
    assert ages(None) == []


def _backends() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_chunks_done_in_one_process_are_written_on_a_second_connection_like_jobs_write_them(acme):
    version = activated_over(
        acme,
        [{"email": f"p{n}@co.de", "country": "DE" if n % 3 else "FR", "employees": 300, "external_id": f"x{n}"}
         for n in range(2500)],
    )  # fmt: skip
    chunk_ids = list(ReevaluationChunk.objects.filter(version=version).order_by("id").values_list("id", flat=True))
    assert len(chunk_ids) == 3
    before = _backends()

    assert qualification.reevaluate_chunks(chunk_ids=chunk_ids) == 2500

    assert reevaluation_progress(version) == (2500, 2500)
    qualified = {n for n in range(2500) if n % 3}
    statuses = dict(Lead.objects.filter(org=acme).values_list("external_id", "status"))
    assert statuses == {f"x{n}": S.MQL if n in qualified else S.NURTURING for n in range(2500)}
    assert LeadEvaluation.objects.filter(lead__org=acme, version=version).count() == 2500
    assert LeadStatusChange.objects.filter(org=acme, note="Criteria version 1").count() == 2500
    # The writers' connections are closed once the chunks are done (a closed connection's server
    # process leaves pg_stat_activity a moment after the client hangs up).
    deadline = time.monotonic() + 5
    while _backends() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _backends() == before
    # Done once: a second pass finds every chunk done and writes nothing.
    assert qualification.reevaluate_chunks(chunk_ids=chunk_ids) == 0
    assert LeadStatusChange.objects.filter(org=acme).count() == 2500


@pytest.mark.django_db(transaction=True)
def test_a_chunk_another_worker_is_writing_is_left_to_it_and_the_others_are_done(acme):
    import psycopg
    from django.db import connection

    version = activated_over(acme, [{"email": f"p{n}@co.de", "country": "DE", "employees": 300} for n in range(2500)])
    first, taken, last = ReevaluationChunk.objects.filter(version=version).order_by("id")
    settings = connection.get_connection_params()
    with psycopg.connect(**settings) as other:
        other.execute("SELECT id FROM leads_reevaluationchunk WHERE id = %s FOR UPDATE", [taken.pk])

        assert qualification.reevaluate_chunks(chunk_ids=[first.pk, taken.pk, last.pk]) == first.size + last.size

        other.rollback()
    assert list(ReevaluationChunk.objects.filter(version=version, done_at__isnull=True)) == [taken]
    taken_leads = Lead.objects.filter(org=acme, pk__gte=taken.first_lead_id, pk__lte=taken.last_lead_id)
    assert set(taken_leads.values_list("status", flat=True)) == {S.NEW}
    assert Lead.objects.filter(org=acme, status=S.MQL).count() == first.size + last.size
    assert not LeadEvaluation.objects.filter(lead__in=taken_leads).exists()


def test_an_activation_sends_a_job_for_every_four_chunks_and_each_job_does_its_chunks(
    acme, marketer, managers, monkeypatch, django_capture_on_commit_callbacks
):
    from leads.tasks import reevaluate_chunks_task

    jobs: list[list[int]] = []
    monkeypatch.setattr(reevaluate_chunks_task, "apply_async", lambda args, kwargs: jobs.append(args[0]))
    upsert_leads(org=acme, items=[{"email": f"p{n}@co.de", "country": "DE"} for n in range(4500)])
    with django_capture_on_commit_callbacks(execute=True):
        version = activate(marketer, managers)
    chunk_ids = list(ReevaluationChunk.objects.filter(version=version).order_by("id").values_list("id", flat=True))
    assert len(chunk_ids) == 5
    assert jobs == [chunk_ids[:4], chunk_ids[4:]]
    for job in jobs:
        reevaluate_chunks_task(job)
    assert reevaluation_progress(version) == (4500, 4500)
