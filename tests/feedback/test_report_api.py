"""The meeting packs through the API answer what their pages and CSV files show, to the same people,
with the same filters; a filter the page would have replaced by its default answers 400 instead.

The data set is tests/feedback/report_data.py's (counted by hand there)."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from feedback.models import ObjectionReason
from feedback.services import log_follow_up
from feedback.services.check_in import save_check_in_notes
from leads.models import Campaign
from tests.conftest import api_client, signed_in
from tests.feedback.report_data import TODAY, World, build_world, csv_of

pytestmark = pytest.mark.django_db
VOICE_TABLES = ["objections_by_month", "heard_by_campaign", "heard_by_asset", "pain_points", "quality_by_version",
                "quality_by_campaign", "criteria_marked_wrong"]  # fmt: skip
MAY_FIRST = date(2026, 5, 1)
WIN_LOSS_TABLES = ["loss_reasons", "by_source", "by_campaign", "by_competitor", "by_objection", "by_content",
                   "present_in_won"]  # fmt: skip


@pytest.fixture
def world(acme, globex, marketer, rep, rep2, marketing_manager, sales_manager) -> World:
    return build_world(acme, globex, marketer=marketer, rep=rep, rep2=rep2, marketing_manager=marketing_manager,
                       sales_manager=sales_manager)  # fmt: skip


@pytest.fixture(autouse=True)
def mid_july():
    # "Last month" is June 2026 and "last quarter" Q2 2026 on the pages and in the API alike.
    with time_machine.travel(TODAY, tick=False):
        yield


def get(member, name: str, **params):
    response = api_client(member).get(reverse(f"api:{name}"), params)
    assert response.status_code == 200, response.content
    return response.json()


def cells(table: dict) -> list[list]:
    """The API table as rows of values in column order, headed by the labels (as the CSV is)."""
    keys = [column["key"] for column in table["columns"]]
    return [[column["label"] for column in table["columns"]], *([row[key] for key in keys] for row in table["rows"])]


def written(value, cell: str) -> bool:
    """Whether the CSV cell holds the API's value: the CSV writes text, the API JSON types."""
    if value is None:
        return cell == ""
    if isinstance(value, bool):
        return cell == ("yes" if value else "no")
    if isinstance(value, int | float):
        return float(cell) == value
    return cell == str(value)


def assert_same(table: dict, lines: list[list[str]]) -> None:
    api = cells(table)
    if api[0][:2] == ["Level", "Best or worst"] and "Best or worst" not in lines[0]:
        # The API always carries the flag; the CSV file only when some row is flagged.
        assert all(row["flag"] == "" for row in table["rows"])
        api = [[row[0], *row[2:]] for row in api]
    assert api[0] == lines[0]
    assert len(api) == len(lines), (api, lines)
    for values, line in zip(api[1:], lines[1:], strict=True):
        same = len(values) == len(line) and all(written(v, c) for v, c in zip(values, line, strict=True))
        assert same, (values, line)


def page_csv(member, page: str, params: dict, table: str) -> list[list[str]]:
    response = signed_in(member).get(reverse(f"feedback:{page}"), {**params, "export": table})
    assert response.status_code == 200
    return csv_of(response)


def test_voice_of_sales_answers_every_table_of_the_page_as_its_csv_file(world, marketer):
    body = get(marketer, "report-voice-of-sales", months=3)
    assert list(body["tables"]) == VOICE_TABLES
    assert (body["months"], body["period"]["first"], body["period"]["last"]) == (3, "2026-05", "2026-07")
    assert body["criteria_version"] == {"id": world.version.pk, "number": world.version.number, "name": "DACH"}
    assert (body["campaign"], body["rep"]) == (None, None)
    for name in VOICE_TABLES:
        assert_same(body["tables"][name], page_csv(marketer, "voice_of_sales", {"months": 3}, name))
    by_campaign = body["tables"]["heard_by_campaign"]
    assert by_campaign["rows"][0] == {
        "campaign": "Webinars", "objection:Price": 2, "objection:Timing": 2, "objection:Competitor": 0,
        "objections": 4, "leads_with_objections": 3, "pain_points_heard": 1,
    }  # fmt: skip
    pain = body["tables"]["pain_points"]["rows"][0]
    assert [pain["pain_point"], pain["first_heard"], pain["content_speaks_to_it"]] == [
        "Slow Reporting", "2026-05-11", True
    ]  # fmt: skip


def test_voice_of_sales_narrowed_to_a_campaign_answers_that_campaigns_figures(world, marketer):
    body = get(marketer, "report-voice-of-sales", months=3, campaign=world.trade_show.pk)
    assert body["campaign"] == world.trade_show.pk
    params = {"months": 3, "campaign": world.trade_show.pk}
    for name in VOICE_TABLES:
        assert_same(body["tables"][name], page_csv(marketer, "voice_of_sales", params, name))
    assert [row["campaign"] for row in body["tables"]["quality_by_campaign"]["rows"]] == ["Trade show"]


def test_check_in_answers_the_csv_rows_with_level_flag_and_the_saved_notes(world, marketer):
    save_check_in_notes(by=marketer, month=MAY_FIRST, text="Pause the trade show.", seen=None)
    body = get(marketer, "report-check-in", month="2026-05")
    assert (body["month"], body["label"], body["rep"]) == ("2026-05", "May 2026", None)
    assert_same(body["table"], page_csv(marketer, "check_in", {"month": "2026-05"}, "campaign_check_in"))
    rows = {row["campaign_or_content"]: row for row in body["table"]["rows"]}
    assert [(row["level"], name, row["flag"]) for name, row in rows.items()] == [
        ("campaign", "Dormant", ""), ("campaign", "Trade show", "worst"), ("asset", "Pricing page", "worst"),
        ("campaign", "Webinars", "best"), ("asset", "Churn guide", "best"),
    ]  # fmt: skip
    webinars = rows["Webinars"]
    assert [webinars[k] for k in ("new_leads", "mqls", "handed_off", "accepted", "rejected", "acceptance",
                                  "average_fit_1_5", "opportunities", "won", "won_value")] == [
        6, 6, 6, 5, 1, 83.3, 3.3, 2, 1, 12000.0
    ]  # fmt: skip
    assert rows["Trade show"]["rejected_bad_data"] == 1
    notes = body["notes"]
    assert notes["text"] == "Pause the trade show."
    assert notes["updated_by"] == {"id": marketer.pk, "name": marketer.name}
    # Another month has no notes.
    assert get(marketer, "report-check-in", month="2026-06")["notes"] is None


def test_check_in_without_a_month_reviews_last_month(world, marketer):
    assert get(marketer, "report-check-in")["month"] == "2026-06"
    assert get(marketer, "report-check-in", month="")["month"] == "2026-06"


def test_win_loss_answers_the_totals_and_every_table_of_the_page_as_its_csv_file(world, marketer):
    body = get(marketer, "report-win-loss", quarter="2026-q2")
    assert list(body["tables"]) == WIN_LOSS_TABLES
    assert (body["quarter"], body["won"], body["lost"], body["win_rate"]) == ("2026-Q2", 2, 2, 50.0)
    assert (body["won_value"], body["lost_value"]) == (20000.0, 5000.0)
    for name in WIN_LOSS_TABLES:
        assert_same(body["tables"][name], page_csv(marketer, "win_loss", {"quarter": "2026-Q2"}, name))
    assert get(marketer, "report-win-loss")["quarter"] == "2026-Q2"  # the last finished quarter
    empty = get(marketer, "report-win-loss", quarter="2026-Q1")
    assert (empty["won"], empty["win_rate"], empty["won_value"]) == (0, None, 0.0)


@pytest.mark.parametrize(
    ("name", "params", "table", "page"),
    [
        ("report-voice-of-sales", {"months": 3}, "quality_by_campaign", "voice_of_sales"),
        ("report-check-in", {"month": "2026-05"}, "campaign_check_in", "check_in"),
        ("report-win-loss", {"quarter": "2026-Q2"}, "by_campaign", "win_loss"),
    ],
)
def test_a_rep_gets_the_figures_of_the_leads_handed_to_them(world, marketer, rep2, name, params, table, page):
    own = get(rep2, name, **params)
    everyone = get(marketer, name, **params)
    assert own["rep"] == rep2.pk
    pick = own["table"] if "table" in own else own["tables"][table]
    assert_same(pick, page_csv(rep2, page, params, table))
    assert pick != (everyone["table"] if "table" in everyone else everyone["tables"][table])


def test_a_rep_asking_for_the_voice_of_sales_hears_only_their_own_leads(world, rep2):
    body = get(rep2, "report-voice-of-sales", months=3)
    assert [row["campaign"] for row in body["tables"]["quality_by_campaign"]["rows"]] == ["Trade show"]
    assert body["tables"]["heard_by_campaign"]["rows"] == [] and body["tables"]["pain_points"]["rows"] == []


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("report-voice-of-sales", {"months": "7"}, "months"),
        ("report-voice-of-sales", {"months": "six"}, "months"),
        ("report-voice-of-sales", {"months": " 6"}, "months"),
        ("report-voice-of-sales", {"campaign": "x"}, "campaign"),
        ("report-voice-of-sales", {"campaign": "99999999999999999999999"}, "campaign"),
        ("report-check-in", {"month": "2026-13"}, "month"),
        ("report-check-in", {"month": "May"}, "month"),
        ("report-check-in", {"month": "1999-12"}, "month"),
        ("report-win-loss", {"quarter": "2026-Q5"}, "quarter"),
        ("report-win-loss", {"quarter": "2026"}, "quarter"),
    ],
)
def test_a_filter_the_page_would_replace_answers_400_with_the_field(world, marketer, name, params, field):
    response = api_client(marketer).get(reverse(f"api:{name}"), params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["fields"]) == [field] and body["message"].startswith(field)


def test_another_organizations_campaign_answers_as_one_that_does_not_exist(world, marketer):
    globex_campaign = Campaign.objects.get(name="Globex launch")
    machine = api_client(marketer)
    theirs = machine.get(reverse("api:report-voice-of-sales"), {"campaign": globex_campaign.pk})
    missing = machine.get(reverse("api:report-voice-of-sales"), {"campaign": globex_campaign.pk + 1000})
    assert theirs.status_code == missing.status_code == 400
    assert theirs.json() == missing.json()


def test_another_organization_gets_none_of_acmes_figures_or_notes(world, marketer, globex_admin):
    save_check_in_notes(by=marketer, month=MAY_FIRST, text="Acme's decision", seen=None)
    check_in = get(globex_admin, "report-check-in", month="2026-05")
    assert [row["campaign_or_content"] for row in check_in["table"]["rows"]] == ["Globex launch", "No campaign"]
    assert check_in["notes"] is None
    voice = get(globex_admin, "report-voice-of-sales", months=3)
    win_loss = get(globex_admin, "report-win-loss", quarter="2026-Q2")
    for body in (check_in, voice, win_loss):
        text = str(body)
        assert "Webinars" not in text and "Trade show" not in text and "Churn guide" not in text
    assert voice["criteria_version"] is None and win_loss["won"] == 0


def test_column_keys_are_unique_even_for_an_objection_reason_named_like_a_column(world, marketer, rep):
    ObjectionReason.objects.create(org=marketer.org, name="Objections")
    log_follow_up(lead=world.w[3], by=rep, kind="call", outcome="connected", occurred_at=TODAY,
                  objections=[{"reason": "Objections"}])  # fmt: skip
    body = get(marketer, "report-voice-of-sales", months=3)
    tables = list(body["tables"].values())
    tables += [get(marketer, "report-check-in", month="2026-05")["table"]]
    tables += list(get(marketer, "report-win-loss", quarter="2026-Q2")["tables"].values())
    for table in tables:
        keys = [column["key"] for column in table["columns"]]
        assert len(keys) == len(set(keys)) and all(keys), (table["name"], keys)
    month = body["tables"]["objections_by_month"]
    assert {"objection:Objections", "objections"} <= {column["key"] for column in month["columns"]}
    assert month["rows"][-1]["objection:Objections"] == 1 and month["rows"][-1]["objections"] == 1


def test_the_schema_documents_the_reports_and_their_filters(client):
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    expected = {"/api/v1/reports/voice-of-sales/": {"months", "campaign"}, "/api/v1/reports/check-in/": {"month"},
                "/api/v1/reports/win-loss/": {"quarter"}}  # fmt: skip
    for path, parameters in expected.items():
        operation = schema["paths"][path]["get"]
        assert {p["name"] for p in operation["parameters"]} == parameters
        assert {"200", "400", "401", "403"} <= set(operation["responses"])
    months = next(p for p in schema["paths"]["/api/v1/reports/voice-of-sales/"]["get"]["parameters"]
                  if p["name"] == "months")  # fmt: skip
    assert sorted(months["schema"]["enum"]) == [3, 6, 12]
