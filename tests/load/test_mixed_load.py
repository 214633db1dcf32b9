"""The load test in CI size: a realistic mix from four clients at once against a live server.

The full size (minutes, 100k leads) is `python -m bench --only load --scale full`; here half a
minute on a small organization checks what must hold under any load: no 5xx, under 1% failed
answers, every event the API said it stored is stored, and nothing is stored twice.
"""

import pytest
from django.db.models import Count

from accounts.models import Membership, User
from accounts.roles import Role
from accounts.services import create_api_token
from bench.load import Actors, run_load
from leads.models import EngagementEvent, HandOff, Lead
from leads.services.handoff import accept_lead, hand_off_lead
from leads.services.leads import upsert_leads
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)
LOAD_SECONDS = 30


def cookie(member: Membership) -> str:
    return f"sessionid={signed_in(member).cookies['sessionid'].value}"


@pytest.fixture
def cast(acme, marketer, rep, sales_manager, settings) -> Actors:
    upsert_leads(org=acme, items=[
        {"email": f"person{n}@company{n % 40}.de", "first_name": "Anna", "last_name": f"Load {n}",
         "country": "DE", "employees": 50 + n}
        for n in range(400)
    ])  # fmt: skip
    leads = list(Lead.objects.filter(org=acme).order_by("id"))
    Lead.objects.filter(pk__in=[lead.pk for lead in leads[:120]]).update(status=Lead.Status.MQL)
    for lead in leads[:120]:
        lead.refresh_from_db()
        hand_off_lead(lead=lead, by=marketer, rep=rep)
    for lead in leads[:20]:
        accept_lead(lead=Lead.objects.get(pk=lead.pk), by=rep)
    tool = User.objects.create_user("tool@integrations.invalid", None, full_name="Marketing tool", is_integration=True)
    integration = Membership.objects.create(org=acme, user=tool, role=Role.MARKETER, side="marketing")
    return Actors(
        integration_token=create_api_token(by=integration, member=integration, name="load")[1],
        rep_token=create_api_token(by=rep, member=rep, name="load")[1],
        marketer_cookie=cookie(marketer), rep_cookie=cookie(rep), manager_cookie=cookie(sales_manager),
        lead_ids=[lead.pk for lead in leads], handed_off_ids=[lead.pk for lead in leads[20:120]],
        accepted_ids=[lead.pk for lead in leads[:20]],
    )  # fmt: skip


def test_a_mixed_load_answers_without_errors_and_stores_every_event_once(live_server, cast, rep):
    report = run_load(live_server.url, cast, seconds=LOAD_SECONDS, clients=4)
    summary = report.summary()
    assert report.requests > 100, summary
    assert set(report.statuses) == {"event_batch", "lead_list", "lead_page", "inbox", "accept", "follow_up",
                                    "dashboard"}, summary  # fmt: skip
    assert report.server_errors == 0, summary
    assert report.failure_ratio < 0.01, summary
    events = EngagementEvent.objects.filter(external_id__startswith=f"load-{cast.run_tag}-")
    assert report.events_sent > 0
    assert events.count() == report.events_stored == report.events_sent, summary
    assert not events.values("external_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    accepted = report.statuses["accept"][200] + report.statuses["accept"][201]
    assert HandOff.objects.filter(rep=rep, accepted_at__isnull=False).count() == 20 + accepted
