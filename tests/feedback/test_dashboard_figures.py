"""Every dashboard figure against an independent computation from the raw rows, on a data set with
known answers: two months, an empty month, a rep with no leads, leads moving between periods, filters
by campaign, source, rep and team; and the incremental refresh ending where a full one does."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db.models import Sum
from django.utils import timezone

from feedback.dashboards import (
    Filters,
    acceptance,
    calibration,
    calibration_versions,
    close_rates,
    funnel,
    handoff_timings,
    month_before,
    mql,
    rep_table,
    scope_for,
)
from feedback.models import FunnelDay, HandoffFact
from feedback.services import log_follow_up, record_quality_feedback
from feedback.services.snapshots import refresh_dashboards
from leads.models import Lead
from leads.services.handoff import accept_lead, hand_off_lead
from leads.services.leads import upsert_leads
from leads.services.lifecycle import change_lead_status
from tests.feedback import figures_by_hand as by_hand
from tests.feedback.dashboard_data import at, build, build_other_tenant

pytestmark = pytest.mark.django_db
MARCH = (date(2026, 3, 1), date(2026, 3, 31))
APRIL = (date(2026, 4, 1), date(2026, 4, 30))
BOTH = (date(2026, 3, 1), date(2026, 4, 30))
JANUARY = (date(2026, 1, 1), date(2026, 1, 31))


@pytest.fixture
def data(acme, globex, marketer, rep, rep2, sales_manager):
    data = build(acme, marketer=marketer, rep=rep, rep2=rep2, manager=sales_manager)
    data.globex_campaign = build_other_tenant(globex)
    refresh_dashboards(org_id=acme.pk, full=True)
    refresh_dashboards(org_id=globex.pk, full=True)
    return data


def rows(figures) -> list[list]:
    return [list(row) for row in figures.rows]


def test_the_funnel_counts_leads_entering_each_stage_by_hand_worked_answers(data, sales_manager):
    march = funnel(scope_for(sales_manager, Filters(*MARCH)))
    april = funnel(scope_for(sales_manager, Filters(*APRIL)))
    # March: alpha, bravo, charlie, delta (28th), foxtrot and india (23:30 on the 31st) are new;
    # alpha, bravo, charlie qualified and were handed off; alpha and charlie accepted and worked.
    assert [r[1] for r in march.rows] == [6, 3, 3, 2, 2, 1, 1]
    # April: echo, golf, juliet and hotel (00:30 on the 1st); delta moved in from March for every later stage.
    assert [r[1] for r in april.rows] == [4, 4, 4, 3, 2, 1, 1]
    assert march.rows[1] == ["MQL", 3, 50.0] and march.rows[0][2] is None


def test_acceptance_and_timings_in_business_hours_by_hand_worked_answers(data, sales_manager):
    march = scope_for(sales_manager, Filters(*MARCH))
    counts = {row[0]: row[1:3] for row in acceptance(march).rows}
    assert counts["Handed off"] == [3, None] and counts["Accepted"] == [2, 66.7]
    assert counts["Rejected: not a fit"] == [1, 33.3] and counts["Accepted and worked"] == [2, 100.0]
    # Answers: alpha 2 h, charlie 6 h, bravo 14 h (Thursday 9:30 to Friday 15:30); first touches 6 h and 1.5 h.
    answer, touch = handoff_timings(march).rows
    assert answer == ["Answer (accept or reject)", 6.0, 12.4, 3]
    assert touch == ["First touch after accepting", 3.8, 5.6, 2]


@pytest.mark.parametrize(
    ("period", "narrow"),
    [
        (MARCH, {}),
        (APRIL, {}),
        (BOTH, {}),
        (JANUARY, {}),
        (BOTH, {"campaign": "spring"}),
        (BOTH, {"source": "Referral"}),
        (BOTH, {"rep": "rep2"}),
        (BOTH, {"team": "dach"}),
        (BOTH, {"rep": "idle_rep"}),
        (MARCH, {"team": "nordics", "source": "Referral"}),
    ],
    ids=[
        "march",
        "april",
        "both",
        "empty-january",
        "campaign",
        "source",
        "rep",
        "team",
        "rep-without-leads",
        "team-and-source",
    ],
)
def test_every_figure_agrees_with_an_independent_count_of_the_raw_rows(data, sales_manager, period, narrow):
    campaign = getattr(data, narrow["campaign"]).pk if "campaign" in narrow else None
    rep = getattr(data, narrow["rep"]).pk if "rep" in narrow else None
    team = getattr(data, narrow["team"]) if "team" in narrow else None
    filters = Filters(*period, campaign=campaign, source=narrow.get("source", ""), rep=rep,
                      team=team.pk if team else None)  # fmt: skip
    scope = scope_for(sales_manager, filters)
    reps = (rep,) if rep else tuple(sorted(r.member_id for r in team.reps.all())) if team else None
    ask = by_hand.Ask(data.org.pk, *period, campaign=campaign, source=narrow.get("source", ""), reps=reps)

    assert rows(funnel(scope)) == by_hand.funnel(ask)
    assert rows(acceptance(scope)) == by_hand.acceptance(ask)
    assert rows(handoff_timings(scope)) == by_hand.timings(ask)
    for by in ("source", "campaign", "version"):
        assert rows(close_rates(scope, by=by)) == by_hand.close_rates(ask, by)
    end = period[1]
    this_month, last_month = end.replace(day=1), month_before(end)
    month_ask = by_hand.Ask(data.org.pk, last_month, end, campaign=campaign, source=ask.source, reps=reps)
    assert rows(mql(scope)) == by_hand.mql(month_ask, this_month=this_month, last_month=last_month)
    active = [data.rep, data.rep2, data.idle_rep]
    assert rows(rep_table(scope)) == by_hand.reps(ask, active_reps=active)
    versions = calibration_versions(org_id=data.org.pk)
    assert [v.number for v in versions] == [2, 1]
    assert rows(calibration(scope, versions=versions)) == by_hand.calibration(ask, versions)


def test_an_empty_period_shows_zeros_and_no_rates(data, sales_manager):
    scope = scope_for(sales_manager, Filters(*JANUARY))
    assert [r[1:] for r in funnel(scope).rows] == [[0, None]] * 7
    assert acceptance(scope).summary["acceptance_pct"] is None
    assert close_rates(scope, by="source").rows == []
    assert {row[0]: row[1:] for row in rep_table(scope).rows} == {
        name: [0, 0, 0, None, None, None, None, 0, 0, None] for name in ("Nora Noleads", "Rafael Rep", "Rita Rep")
    }


def test_a_rep_without_leads_has_a_row_of_zeros_and_an_empty_funnel(data, sales_manager):
    scope = scope_for(sales_manager, Filters(*BOTH, rep=data.idle_rep.pk))
    assert rep_table(scope).rows == [["Nora Noleads", 0, 0, 0, None, None, None, None, 0, 0, None]]
    assert all(row[1] == 0 for row in funnel(scope).rows)


def test_a_team_is_the_reps_of_its_territory(data, sales_manager):
    scope = scope_for(sales_manager, Filters(*BOTH, team=data.dach.pk))
    assert [row[0] for row in rep_table(scope).rows] == ["Rita Rep", "Nora Noleads"]
    # Rita holds alpha, echo and golf now; bravo went back to marketing.
    assert funnel(scope).rows[0][1] == 3


def test_another_tenants_campaign_narrows_to_nothing(data, sales_manager):
    scope = scope_for(sales_manager, Filters(*MARCH, campaign=data.globex_campaign.pk))
    assert all(row[1] == 0 for row in funnel(scope).rows)
    assert acceptance(scope).rows[0][1] == 0


def test_calibration_reads_whether_higher_fit_bands_do_better(data, sales_manager):
    figures = calibration(scope_for(sales_manager, Filters(*BOTH)), versions=calibration_versions(org_id=data.org.pk))
    by_band = {(row[0], row[1]): row[2:] for row in figures.rows}
    # Version 2: alpha (85) accepted and won; juliet (20) accepted and lost; bravo (30) rejected.
    assert by_band[("Version 2", "80–100")] == [1, 1, 1, 100.0, 1, 1, 100.0]
    assert by_band[("Version 2", "20–39")] == [2, 2, 1, 50.0, 1, 0, 0.0]
    assert figures.summary["readings"] == [
        "Version 2: too few hand-offs answered or closed across fit bands to tell yet.",
        "Version 1: too few hand-offs answered or closed across fit bands to tell yet.",
    ]


def snapshot_rows() -> tuple[set, set]:
    funnel_rows = set(FunnelDay.objects.values_list(
        "org_id", "day", "campaign_key", "source", "owner_key", "version_key", "created", "qualified", "handed_off",
        "accepted", "rejected", "worked", "opportunity", "won", "lost", "won_value",
    ))  # fmt: skip
    fact_rows = set(HandoffFact.objects.values_list(
        "org_id", "handoff_id", "day", "campaign_key", "source", "rep_key", "version_key", "fit_score", "accepted",
        "rejected", "reject_reason", "worked", "won", "lost", "response_seconds", "first_touch_seconds", "quality_fit",
    ))  # fmt: skip
    return funnel_rows, fact_rows


def test_after_leads_move_the_incremental_refresh_stands_as_a_full_rebuild(data, marketer, rep, rep2):
    leads = data.leads
    # Bravo, returned in March, is qualified again today and goes to Rafael: its March MQL day is left behind.
    bravo = change_lead_status(lead=leads["bravo"], to=Lead.Status.MQL, by=marketer, note="Try again")
    hand_off_lead(lead=bravo, by=marketer, rep=rep2)
    # Echo, waiting since April, is accepted; foxtrot, new since March, is qualified and handed to Rita.
    accept_lead(lead=leads["echo"], by=rep)
    foxtrot = change_lead_status(lead=leads["foxtrot"], to=Lead.Status.MQL, by=marketer)
    hand_off_lead(lead=foxtrot, by=marketer, rep=rep)
    # Delta is finally worked; charlie gets a late verdict; india's source is corrected by an import.
    log_follow_up(lead=leads["delta"], by=rep2, kind="call", outcome="connected", occurred_at=timezone.now())
    record_quality_feedback(lead=leads["charlie"], by=rep2, fit=5, ready_to_talk=True, brief_useful=True)
    upsert_leads(org=data.org, items=[{"email": leads["india"].email, "source": "Partner"}])

    refresh_dashboards(org_id=data.org.pk)
    incremental = snapshot_rows()
    refresh_dashboards(org_id=data.org.pk, full=True)
    assert incremental == snapshot_rows()
    # And the figures moved with the leads: March has lost bravo's qualification.
    march_5 = FunnelDay.objects.filter(org=data.org, day=date(2026, 3, 5)).aggregate(n=Sum("qualified"))["n"]
    assert (march_5 or 0) == 0


def test_an_earlier_first_touch_logged_late_moves_the_working_day_in_an_incremental_refresh(data, rep2):
    delta = data.leads["delta"]
    now = timezone.now()
    log_follow_up(lead=delta, by=rep2, kind="call", outcome="no_answer", occurred_at=at(4, 20))
    with time_machine.travel(now + timedelta(hours=1)):
        refresh_dashboards(org_id=data.org.pk, full=True)
    with time_machine.travel(now + timedelta(hours=2)):
        # The rep remembers an earlier call, on the 6th: that is the first touch now.
        log_follow_up(lead=delta, by=rep2, kind="call", outcome="connected", occurred_at=at(4, 6, 11))
        refresh_dashboards(org_id=data.org.pk)
    incremental = snapshot_rows()
    refresh_dashboards(org_id=data.org.pk, full=True)
    assert incremental == snapshot_rows()
    worked = dict(FunnelDay.objects.filter(org=data.org, worked__gt=0).values_list("day").annotate(n=Sum("worked")))
    assert date(2026, 4, 20) not in worked and worked[date(2026, 4, 6)] == 1


def test_a_full_rebuild_over_wrong_snapshots_ends_as_one_from_nothing(data, acme):
    refresh_dashboards(org_id=acme.pk, full=True)
    rebuilt = snapshot_rows()
    as_of = FunnelDay.objects.filter(org=acme).latest("refreshed_at").refreshed_at
    # Rows gone astray: a count wrong, a row that should not be there, rows missing, a fact changed.
    FunnelDay.objects.filter(pk=FunnelDay.objects.filter(org=acme).order_by("day").first().pk).update(created=99)
    FunnelDay.objects.create(org=acme, day=date(2020, 1, 1), source="Nowhere", created=5)
    FunnelDay.objects.filter(org=acme, day__gte=date(2026, 4, 1)).order_by("day")[:1].get().delete()
    HandoffFact.objects.filter(org=acme).order_by("day")[:1].get().delete()
    HandoffFact.objects.filter(org=acme).update(quality_fit=None, won=True)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        refresh_dashboards(org_id=acme.pk, full=True)
    assert snapshot_rows() == rebuilt
    # Nothing to change still stamps the newest days: the figures' "as of" moves with every rebuild.
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        refresh_dashboards(org_id=acme.pk, full=True)
        assert snapshot_rows() == rebuilt
        newest = FunnelDay.objects.filter(org=acme).latest("refreshed_at").refreshed_at
        assert newest > as_of + timedelta(hours=1)
        assert HandoffFact.objects.filter(org=acme).latest("refreshed_at").refreshed_at > as_of + timedelta(hours=1)
