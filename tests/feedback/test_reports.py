"""The meeting packs against a data set whose answers were counted by hand (tests/feedback/report_data.py
tells its story)."""

from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback.models import CheckInNote
from feedback.periods import Month, Quarter
from feedback.reports import campaign_check_in, voice_of_sales, win_loss
from feedback.services.check_in import save_check_in_notes
from leads.models import Campaign, Lead
from leads.services.handoff import hand_off_lead
from smarketing.errors import Conflict
from tests.feedback.report_data import (
    AUTHORITY,
    EMPLOYEES,
    TODAY,
    World,
    as_csv,
    at,
    build_world,
    campaign_leads,
    csv_of,
    moment,
)

pytestmark = pytest.mark.django_db
MAY, JUNE, APRIL = Month(2026, 5), Month(2026, 6), Month(2026, 4)
Q2 = Quarter(2026, 2)


@pytest.fixture
def world(acme, globex, marketer, rep, rep2, marketing_manager, sales_manager) -> World:
    return build_world(acme, globex, marketer=marketer, rep=rep, rep2=rep2, marketing_manager=marketing_manager,
                       sales_manager=sales_manager)  # fmt: skip


def rows(table) -> list[list]:
    return [row.values for row in table.data_rows]


def by_name(table) -> dict:
    return {row.values[0]: dict(zip([c.label for c in table.columns], row.values, strict=True)) for row in table.rows}


# Voice of sales


def test_objections_and_pain_points_count_month_by_month_by_reason(world, marketer):
    report = voice_of_sales(marketer, months=3, today=TODAY.date())
    assert [c.label for c in report.over_time.columns] == [
        "Month", "Price", "Timing", "Competitor", "Objections", "New pain points heard"
    ]  # fmt: skip
    assert rows(report.over_time) == [
        ["May 2026", 2, 1, 1, 4, 3],
        ["Jun 2026", 0, 1, 0, 1, 0],
        ["Jul 2026", 0, 0, 0, 0, 0],  # an empty month shows as zeros, not as a gap
    ]


def test_objections_by_campaign_and_by_content_touched_before_the_handoff(world, marketer):
    report = voice_of_sales(marketer, months=3, today=TODAY.date())
    assert rows(report.by_campaign) == [
        # Campaign, Price, Timing, Competitor, Objections, Leads with objections, Pain points heard
        ["Webinars", 2, 2, 0, 4, 3, 1],
        ["Trade show", 0, 0, 1, 1, 1, 2],
    ]
    # t1 touched both before its hand-off; w2's view of the pricing page came after it.
    assert rows(report.by_asset) == [
        ["Churn guide", 2, 2, 1, 5, 4, 3],
        ["Pricing page", 0, 0, 1, 1, 1, 2],
    ]


def test_pain_points_heard_group_regardless_of_case_and_say_whether_content_speaks_to_them(world, marketer):
    report = voice_of_sales(marketer, months=3, today=TODAY.date())
    assert rows(report.pain_points) == [
        ["Slow Reporting", 2, 2, moment(5, 11).date(), True],
        ["audit trail", 1, 1, moment(5, 13).date(), False],
    ]


def test_lead_quality_and_reject_reasons_per_criteria_version_and_campaign(world, marketer):
    report = voice_of_sales(marketer, months=3, today=TODAY.date())
    version = by_name(report.quality_by_version)[f"Version {world.version.number}: DACH"]
    assert version["Hand-offs"] == 12 and version["Accepted"] == 8 and version["Rejected"] == 4
    assert [version[f"Rejected: {r}"] for r in ("not a fit", "bad data", "not ready", "duplicate", "other")] == [
        2, 1, 1, 0, 0
    ]  # fmt: skip
    assert (version["Acceptance"], version["Verdicts"], version["Average fit (1–5)"]) == (66.7, 5, 3.2)
    assert (version["Ready to talk"], version["Brief useful"]) == (60.0, 60.0)
    campaigns = by_name(report.quality_by_campaign)
    assert list(campaigns) == ["Trade show", "Webinars"]  # most hand-offs first, then by name
    assert [campaigns["Webinars"][k] for k in ("Hand-offs", "Accepted", "Rejected", "Acceptance", "Verdicts",
            "Average fit (1–5)", "Ready to talk", "Brief useful")] == [6, 5, 1, 83.3, 3, 3.3, 66.7, 66.7]  # fmt: skip
    assert [campaigns["Trade show"][k] for k in ("Hand-offs", "Accepted", "Rejected", "Acceptance", "Verdicts",
            "Average fit (1–5)", "Ready to talk", "Brief useful")] == [6, 3, 3, 50.0, 2, 3.0, 50.0, 50.0]  # fmt: skip
    trade_show_row = next(row for row in report.quality_by_campaign.rows if row.values[0] == "Trade show")
    assert trade_show_row.details[3] == "not a fit 1 · bad data 1 · not ready 1"


def test_criteria_marked_wrong_most_often_with_share_and_a_suggestion(world, marketer):
    table = voice_of_sales(marketer, months=3, today=TODAY.date()).wrong_criteria
    assert [row[:5] for row in rows(table)] == [
        # Rule, marked wrong, share of the 5 verdicts, of the 2 on rejected leads, of the 3 on accepted ones
        [AUTHORITY, 2, 40.0, 50.0, 33.3],
        [EMPLOYEES, 2, 40.0, 100.0, 0.0],
    ]
    suggestions = {row[0]: row[5] for row in rows(table)}
    assert suggestions[EMPLOYEES] == (
        "Raise the minimum, or lower its weight (now 50) — marked wrong on 100% of rejected leads (2 of 2)."
    )
    assert suggestions[AUTHORITY].startswith("Narrow the list, or lower its weight (now 50)")


def test_a_campaign_filter_narrows_every_table_to_its_leads(world, marketer):
    report = voice_of_sales(marketer, months=3, today=TODAY.date(), campaign_id=world.trade_show.pk)
    assert rows(report.over_time)[0] == ["May 2026", 1, 1, 2]  # Competitor, Objections, New pain points
    assert [row[0] for row in rows(report.by_campaign)] == ["Trade show"]
    assert [row[0] for row in rows(report.quality_by_campaign)] == ["Trade show"]
    assert [row[:2] for row in rows(report.wrong_criteria)] == [[AUTHORITY, 2], [EMPLOYEES, 1]]


def test_a_rep_hears_only_the_voice_of_the_leads_handed_to_them(world, rep2):
    report = voice_of_sales(rep2, months=3, today=TODAY.date())
    assert [row[-2:] for row in rows(report.over_time)] == [[0, 0], [0, 0], [0, 0]]
    assert rows(report.by_campaign) == [] and rows(report.pain_points) == []
    assert [row[:4] for row in rows(report.quality_by_campaign)] == [["Trade show", 3, 0, 3]]
    assert [row[:2] for row in rows(report.wrong_criteria)] == [[AUTHORITY, 1], [EMPLOYEES, 1]]


def test_voice_of_sales_page_shows_the_tables_with_a_constant_number_of_queries(
    world, marketer, client_for, django_assert_max_num_queries
):
    client = client_for(marketer)
    with time_machine.travel(TODAY, tick=False), django_assert_max_num_queries(14):
        response = client.get(reverse("feedback:voice_of_sales"), {"months": 3})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Slow Reporting" in page and "Churn guide" in page
    assert f'name="based_on" value="{world.version.pk}"' in page  # start the next draft from this version
    assert "Globex" not in page


def test_voice_of_sales_csv_is_the_table(world, marketer, client_for):
    with time_machine.travel(TODAY, tick=False):
        response = client_for(marketer).get(reverse("feedback:voice_of_sales"),
                                            {"months": 3, "export": "heard_by_campaign"})  # fmt: skip
        expected = voice_of_sales(marketer, months=3, today=TODAY.date()).by_campaign
    assert csv_of(response) == as_csv(expected)
    assert csv_of(response)[1] == ["Webinars", "2", "2", "0", "4", "3", "1"]
    assert 'filename="voice-of-sales-heard-by-campaign.csv"' in response["Content-Disposition"]


def test_unusable_filters_fall_back_to_the_defaults_with_a_message(world, marketer, client_for):
    globex_campaign = Campaign.objects.get(name="Globex launch")
    with time_machine.travel(TODAY, tick=False):
        response = client_for(marketer).get(
            reverse("feedback:voice_of_sales"), {"months": "7", "campaign": globex_campaign.pk, "export": "nope"}
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert "showing the last 6 months" in page
    assert "That campaign is not one of yours; showing all campaigns." in page
    assert "There is no table “nope” to export" in page
    assert response.context["report"].months[0] == Month(2026, 2)


# Campaign check-in


CHECK_IN = ["Campaign or content", "New leads", "MQLs", "Handed off", "Accepted", "Rejected"]


def test_check_in_counts_each_campaign_and_each_piece_of_content_in_the_month(world, marketer):
    table = campaign_check_in(marketer, month=MAY).table
    figures = by_name(table)
    keys = [*CHECK_IN[1:], "Acceptance", "Verdicts", "Average fit (1–5)", "Opportunities", "Won", "Won value"]
    assert [figures["Webinars"][k] for k in keys] == [6, 6, 6, 5, 1, 83.3, 3, 3.3, 2, 1, Decimal("12000.00")]
    assert [figures["Trade show"][k] for k in keys] == [6, 6, 6, 3, 3, 50.0, 2, 3.0, 1, 0, None]
    # A running campaign that brought nothing still shows, with zeros.
    assert [figures["Dormant"][k] for k in keys] == [0, 0, 0, 0, 0, None, 0, None, 0, 0, None]
    # Content counts the leads that engaged with it by the end of May (w2's June view is not there).
    assert [figures["Churn guide"][k] for k in keys] == [7, 7, 7, 6, 1, 85.7, 4, 3.5, 3, 1, Decimal("12000.00")]
    assert [figures["Pricing page"][k] for k in keys] == [6, 6, 6, 3, 3, 50.0, 2, 3.0, 1, 0, None]
    trade_show = figures["Trade show"]
    assert [trade_show[f"Rejected: {r}"] for r in ("not a fit", "bad data", "not ready", "duplicate", "other")] == [
        1, 1, 1, 0, 0
    ]  # fmt: skip


def test_check_in_lists_content_under_its_campaign_and_flags_best_and_worst(world, marketer):
    table = campaign_check_in(marketer, month=MAY).table
    assert [(row.level, row.values[0], row.flag) for row in table.rows] == [
        ("campaign", "Dormant", ""),
        ("campaign", "Trade show", "worst"),
        ("asset", "Pricing page", "worst"),
        ("campaign", "Webinars", "best"),
        ("asset", "Churn guide", "best"),
    ]
    assert table.rows[2].group == table.rows[1].group == f"c-{world.trade_show.pk}"


def test_a_month_without_activity_shows_the_running_campaigns_at_zero_and_ranks_nothing(world, marketer):
    table = campaign_check_in(marketer, month=Month(2026, 7)).table
    assert [row[:6] for row in rows(table)] == [[name, 0, 0, 0, 0, 0] for name in ("Dormant", "Trade show", "Webinars")]
    assert not table.has_flags
    # Before the campaigns were created there is nothing to check in on.
    assert campaign_check_in(marketer, month=APRIL).table.rows == []


def test_a_rep_checks_in_on_the_leads_handed_to_them(world, rep2):
    figures = by_name(campaign_check_in(rep2, month=MAY).table)
    assert [figures["Trade show"][k] for k in CHECK_IN[1:]] == [3, 3, 3, 0, 3]
    assert [figures["Webinars"][k] for k in CHECK_IN[1:]] == [0, 0, 0, 0, 0]


def test_check_in_page_and_its_csv_show_the_same_rows(world, marketer, client_for, django_assert_max_num_queries):
    client = client_for(marketer)
    with django_assert_max_num_queries(6):
        page = client.get(reverse("feedback:check_in"), {"month": "2026-05"})
    assert page.status_code == 200
    assert page.context["month"] == MAY
    response = client.get(reverse("feedback:check_in"), {"month": "2026-05", "export": "campaign_check_in"})
    lines = csv_of(response)
    assert lines == as_csv(campaign_check_in(marketer, month=MAY).table)
    assert lines[0][:4] == ["Level", "Best or worst", "Campaign or content", "New leads"]
    assert lines[2][:8] == ["campaign", "worst", "Trade show", "6", "6", "6", "3", "3"]
    assert 'filename="campaign-check-in-2026-05-campaign-check-in.csv"' in response["Content-Disposition"]


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_defused(world, marketer, client_for):
    Campaign.objects.create(org=marketer.org, name='=HYPERLINK("http://evil.example")', created_at=moment(5, 1))
    response = client_for(marketer).get(
        reverse("feedback:check_in"), {"month": "2026-05", "export": "campaign_check_in"}
    )
    names = [line[2] for line in csv_of(response)[1:]]
    assert '\'=HYPERLINK("http://evil.example")' in names


def test_a_bad_month_shows_last_month_with_a_message(world, marketer, client_for):
    with time_machine.travel(TODAY, tick=False):
        response = client_for(marketer).get(reverse("feedback:check_in"), {"month": "2026-13"})
    assert response.status_code == 200
    assert response.context["month"] == JUNE
    assert "“2026-13” is not a month like 2026-06; showing June 2026." in response.content.decode()


def test_notes_are_saved_per_month_and_shown_with_who_saved_them(world, marketer, client_for):
    client = client_for(marketer)
    response = client.post(reverse("feedback:check_in_notes"), {"month": "2026-05", "text": "Pause the trade show."})
    assert response.status_code == 302 and response.url.endswith("?month=2026-05")
    note = CheckInNote.objects.get(org=marketer.org)
    assert (note.month, note.text, note.updated_by) == (MAY.first_day, "Pause the trade show.", marketer)
    page = client.get(response.url).content.decode()
    assert "Pause the trade show." in page and "Last saved by Maria Marketer" in page
    assert (
        "Pause the trade show." not in client.get(reverse("feedback:check_in"), {"month": "2026-06"}).content.decode()
    )


def test_notes_save_through_htmx_answers_the_notes_box(world, sales_manager, client_for):
    response = client_for(sales_manager).post(
        reverse("feedback:check_in_notes"), {"month": "2026-05", "text": "More webinars."}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'id="check-in-notes"' in page and "<html" not in page
    assert "Saved." in page and "Last saved by Sandra Manager" in page
    note = CheckInNote.objects.get(org=sales_manager.org)
    assert f'value="{note.updated_at.isoformat()}"' in page  # the next save starts from this version


def test_a_save_over_notes_someone_else_saved_meanwhile_changes_nothing_and_keeps_the_text(
    world, marketer, sales_manager, client_for
):
    save_check_in_notes(by=marketer, month=MAY.first_day, text="First version", seen=None)
    started_from = CheckInNote.objects.get().updated_at
    save_check_in_notes(by=marketer, month=MAY.first_day, text="Maria's change", seen=started_from)
    with pytest.raises(Conflict):
        save_check_in_notes(by=sales_manager, month=MAY.first_day, text="Sandra's change", seen=started_from)
    response = client_for(sales_manager).post(
        reverse("feedback:check_in_notes"),
        {"month": "2026-05", "text": "Sandra's change", "seen": started_from.isoformat()}, HTTP_HX_REQUEST="true",
    )  # fmt: skip
    page = response.content.decode()
    assert "Maria Marketer saved these notes" in page
    assert "Sandra&#x27;s change</textarea>" in page and "Maria&#x27;s change" in page
    assert CheckInNote.objects.get().text == "Maria's change"


def test_two_first_saves_of_a_month_keep_one_note(world, marketer, sales_manager):
    save_check_in_notes(by=marketer, month=MAY.first_day, text="Mine", seen=None)
    with pytest.raises(Conflict):
        save_check_in_notes(by=sales_manager, month=MAY.first_day, text="Also mine", seen=None)
    assert list(CheckInNote.objects.values_list("text", flat=True)) == ["Mine"]


def test_a_rep_reads_the_notes_but_has_no_box_to_change_them(world, marketer, rep, client_for):
    save_check_in_notes(by=marketer, month=MAY.first_day, text="Call every webinar lead in a day.", seen=None)
    page = client_for(rep).get(reverse("feedback:check_in"), {"month": "2026-05"}).content.decode()
    assert "Call every webinar lead in a day." in page and "<textarea" not in page
    assert (
        client_for(rep).post(reverse("feedback:check_in_notes"), {"month": "2026-05", "text": "x"}).status_code == 403
    )


def test_notes_for_an_unreadable_month_are_not_saved(world, marketer, client_for):
    response = client_for(marketer).post(reverse("feedback:check_in_notes"), {"month": "May", "text": "Lost?"})
    assert response.status_code == 302 and not CheckInNote.objects.exists()


# Win/loss


def test_win_loss_counts_the_quarters_deals_by_reason_source_campaign_and_competitor(world, marketer):
    report = win_loss(marketer, quarter=Q2)
    assert (report.won, report.lost, report.won_value, report.lost_value) == (
        2,
        2,
        Decimal("20000.00"),
        Decimal("5000.00"),
    )
    assert report.win_rate == 50.0
    assert rows(report.loss_reasons) == [["Price", 1, 50.0, Decimal("5000.00")], ["Timing", 1, 50.0, None]]
    assert rows(report.by["source"]) == [
        ["Webinar", 1, 2, 33.3, Decimal("12000.00"), Decimal("5000.00")],
        ["Trade show", 1, 0, 100.0, Decimal("8000.00"), None],
    ]
    assert [row[:3] for row in rows(report.by["campaign"])] == [["Webinars", 1, 2], ["Trade show", 1, 0]]
    # A lost deal's competitor is who it went to; a won deal's is the supplier the lead had.
    assert [row[:3] for row in rows(report.by["competitor"])] == [
        ["Salesforce", 0, 1], ["Spreadsheets", 1, 0], ["None named", 1, 1],
    ]  # fmt: skip


def test_win_loss_by_objection_and_by_content_touched_before_the_outcome(world, marketer):
    report = win_loss(marketer, quarter=Q2)
    assert [row[:3] for row in rows(report.by["objection"])] == [
        ["Price", 1, 1],
        ["Timing", 0, 2],
        ["Competitor", 1, 0],
    ]
    # w2 viewed the pricing page after it was lost: that view is not content of the deal.
    assert [row[:3] for row in rows(report.by["content"])] == [["Churn guide", 2, 2], ["Pricing page", 1, 0]]


def test_tactics_and_content_most_present_in_won_deals(world, marketer):
    table = win_loss(marketer, quarter=Q2).present_in_won
    assert rows(table) == [
        # What, kind, won deals with it, share of won, lost deals with it, share of lost, named as what helped
        ["ROI workshop", "Tactic", 2, 100.0, 0, 0.0, 2],
        ["Pricing page", "Content", 1, 50.0, 0, 0.0, 0],
        ["Churn guide", "Content", 2, 100.0, 2, 100.0, 1],
    ]


def test_a_quarter_without_deals_is_empty_and_main_reasons_say_so(world, marketer, client_for):
    report = win_loss(marketer, quarter=Quarter(2026, 1))
    assert (report.won, report.lost, report.win_rate) == (0, 0, None)
    assert all(table.rows == [] for table in report.tables)
    page = client_for(marketer).get(reverse("feedback:win_loss"), {"quarter": "2026-Q1"}).content.decode()
    assert "No deal was lost in Q1 2026." in page


def test_a_rep_sees_the_deals_of_the_leads_handed_to_them(world, rep, rep2):
    assert (win_loss(rep, quarter=Q2).won, win_loss(rep, quarter=Q2).lost) == (2, 2)
    assert (win_loss(rep2, quarter=Q2).won, win_loss(rep2, quarter=Q2).lost) == (0, 0)


def test_win_loss_page_and_csv(world, marketer, client_for, django_assert_max_num_queries):
    client = client_for(marketer)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("feedback:win_loss"), {"quarter": "2026-q2"})
    page = response.content.decode()
    assert response.context["quarter"] == Q2
    assert 'data-chart="chart-loss"' in page and "Salesforce" in page
    export = client.get(reverse("feedback:win_loss"), {"quarter": "2026-Q2", "export": "present_in_won"})
    assert csv_of(export) == as_csv(win_loss(marketer, quarter=Q2).present_in_won)
    assert csv_of(export)[1] == ["ROI workshop", "Tactic", "2", "100.0", "0", "0.0", "2"]


def test_a_bad_quarter_shows_the_last_one_with_a_message(world, marketer, client_for):
    with time_machine.travel(TODAY, tick=False):
        response = client_for(marketer).get(reverse("feedback:win_loss"), {"quarter": "2026-Q5"})
    assert response.status_code == 200 and response.context["quarter"] == Q2
    assert "“2026-Q5” is not a quarter like 2026-Q2; showing Q2 2026." in response.content.decode()


def test_another_organization_sees_none_of_it(world, globex_admin):
    assert rows(voice_of_sales(globex_admin, months=3, today=TODAY.date()).by_campaign)[0][0] == "No campaign"
    assert win_loss(globex_admin, quarter=Q2).won == 0
    names = [row.values[0] for row in campaign_check_in(globex_admin, month=MAY).table.rows]
    assert names == ["Globex launch", "No campaign"]


def test_page_queries_stay_constant_as_the_data_grows(world, marketer, rep, client_for, django_assert_num_queries):
    client = client_for(marketer)
    urls = [(reverse("feedback:check_in"), {"month": "2026-05"}),
            (reverse("feedback:win_loss"), {"quarter": "2026-Q2"}),
            (reverse("feedback:voice_of_sales"), {"months": 3})]  # fmt: skip
    with time_machine.travel(TODAY, tick=False):
        before = []
        for url, params in urls:
            with CaptureQueriesContext(connection) as counted:
                client.get(url, params)
            before.append(len(counted))
    more = Campaign.objects.create(org=marketer.org, name="More")
    with at(5, 4):
        extra = campaign_leads(marketer.org, more, "m", "Partner")
    with at(5, 7):
        for lead in extra:
            Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.MQL)
            hand_off_lead(lead=lead, by=marketer, rep=rep)
    with time_machine.travel(TODAY, tick=False):
        for (url, params), count in zip(urls, before, strict=True):
            with django_assert_num_queries(count):
                client.get(url, params)
