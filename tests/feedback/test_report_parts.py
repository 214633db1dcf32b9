"""The pure pieces of the meeting packs: periods a user types, suggested criteria changes, and how
a table's cells are written on the page and in the CSV."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback.periods import Month, Quarter, month_param, quarter_param
from feedback.reports.tables import COUNT, MONEY, PERCENT, Column, Row, Table, csv_text, rate, shown_text
from feedback.suggestions import Evidence, Marks, RuleFacts, suggestion

BERLIN = ZoneInfo("Europe/Berlin")


# Periods


@pytest.mark.parametrize(
    ("text", "month"),
    [("2026-05", Month(2026, 5)), (" 2026-5 ", Month(2026, 5)), ("2026-12", Month(2026, 12)),
     ("2026-13", None), ("2026-00", None), ("May", None), ("", None), ("1999-01", None), ("3000-01", None),
     ("2026-05-01", None), ("20260-1", None)],
)  # fmt: skip
def test_a_month_is_read_as_year_dash_month_or_not_at_all(text, month):
    assert Month.parse(text) == month


@pytest.mark.parametrize(
    ("text", "quarter"),
    [("2026-Q3", Quarter(2026, 3)), ("2026q1", Quarter(2026, 1)), ("2026 Q4", Quarter(2026, 4)),
     ("2026-Q5", None), ("2026-Q0", None), ("Q3 2026", None), ("", None)],
)  # fmt: skip
def test_a_quarter_is_read_as_year_and_q_number(text, quarter):
    assert Quarter.parse(text) == quarter


def test_periods_step_over_year_ends_and_start_at_midnight_where_the_org_works():
    assert Month(2026, 1).previous == Month(2025, 12) and Month(2026, 12).next == Month(2027, 1)
    assert Quarter(2026, 1).previous == Quarter(2025, 4) and Quarter(2026, 4).next == Quarter(2027, 1)
    march = Month(2026, 3)
    # Summer time starts in March: the month ends at midnight of April 1st, two hours ahead of UTC.
    assert march.start(BERLIN) == datetime(2026, 3, 1, tzinfo=BERLIN)
    assert march.end(BERLIN).utcoffset().total_seconds() == 7200
    assert Quarter(2026, 3).months == [Month(2026, 7), Month(2026, 8), Month(2026, 9)]
    assert Quarter(2026, 3).span == "July – September 2026" and Quarter(2026, 3).param == "2026-Q3"
    assert Month.of(date(2026, 8, 31)) == Month(2026, 8) and Quarter.of(date(2026, 8, 31)) == Quarter(2026, 3)


@given(st.integers(min_value=2000 * 12, max_value=2998 * 12), st.integers(min_value=-120, max_value=120))
def test_shifting_a_month_there_and_back_lands_where_it_started(index, months):
    month = Month(index // 12, index % 12 + 1)
    assert month.shifted(months).shifted(-months) == month
    assert Month.parse(month.param) == month
    assert month.start(BERLIN) < month.end(BERLIN)


def test_an_unreadable_period_falls_back_with_a_sentence():
    assert month_param("", default=Month(2026, 6)) == (Month(2026, 6), "")
    assert month_param("2026-07", default=Month(2026, 6)) == (Month(2026, 7), "")
    assert month_param("soon", default=Month(2026, 6)) == (
        Month(2026, 6), "“soon” is not a month like 2026-06; showing June 2026."
    )  # fmt: skip
    assert quarter_param("x" * 500, default=Quarter(2026, 2))[1].startswith("“" + "x" * 20 + "”")


# Suggested changes


def rule(attribute="employees", operator="gte", value=50, required=False, weight=25) -> RuleFacts:
    return RuleFacts("the rule", attribute, operator, value, required, weight)


MARKS = Marks(wrong=6, wrong_rejected=5, wrong_accepted=1, verdicts=40, rejected=10, accepted=30)


def numbers(*points) -> list[Evidence]:
    return [Evidence(Decimal(value), str(value), wrong, good) for value, wrong, good in points]


def test_a_minimum_is_raised_when_the_leads_marked_wrong_sit_below_the_accepted_ones():
    evidence = numbers((60, 1, 1), (70, 1, 0), (80, 1, 0), (90, 1, 0), (237, 0, 1), (300, 0, 1), (500, 0, 2))
    assert suggestion(rule(), MARKS, evidence) == (
        "Raise the minimum company size from 50 to 100 employees: that keeps out 4 of the 4 leads where reps "
        "marked this rule wrong, and 1 of the 5 leads they accepted without marking it."
    )


def test_a_maximum_is_lowered_when_the_leads_marked_wrong_are_the_largest():
    evidence = numbers((1000, 0, 3), (1500, 0, 2), (4200, 1, 0), (5000, 2, 0), (9000, 1, 1))
    text = suggestion(rule("annual_revenue", "lte", 10000), MARKS, evidence)
    assert text.startswith("Lower the maximum annual revenue from 10,000 to 4,000: that keeps out 4 of the 4 leads")
    assert text.endswith("and 1 of the 6 leads they accepted without marking it.")


def test_a_range_moves_whichever_end_the_evidence_points_to():
    evidence = numbers((120, 2, 0), (150, 2, 0), (400, 0, 5), (800, 0, 4))
    assert suggestion(rule(operator="between", value=[100, 20000]), MARKS, evidence).startswith(
        "Raise the minimum company size from 100 to 200 employees: that keeps out 4 of the 4"
    )


@pytest.mark.parametrize(
    "evidence",
    [
        numbers((60, 1, 0), (70, 1, 0), (300, 0, 5)),  # two leads marked wrong: too few to propose a number
        numbers((60, 2, 3), (70, 2, 3), (300, 0, 1)),  # the change would keep out most accepted leads too
        numbers((60, 3, 0), (70, 2, 0)),  # nobody accepted a lead to weigh the cost against
    ],
)
def test_without_enough_support_the_suggestion_names_the_kind_of_change_and_the_evidence(evidence):
    assert suggestion(rule(), MARKS, evidence) == (
        "Raise the minimum, or lower its weight (now 25) — marked wrong on 50% of rejected leads (5 of 10)."
    )


def test_a_listed_value_is_dropped_when_the_leads_marked_wrong_mostly_had_it():
    authority = rule("buying_authority", "in", ["decision_maker", "influencer"])
    evidence = [Evidence("influencer", "influencer", 4, 1), Evidence("decision_maker", "decision maker", 1, 9)]
    assert suggestion(authority, MARKS, evidence) == (
        "Drop influencer from the list: 4 of the 5 leads where reps marked this rule wrong were influencer, "
        "against 1 of the 10 leads they accepted without marking it."
    )
    # The list's last value is never dropped: that would drop the rule, which the generic advice says.
    only = rule("buying_authority", "in", ["influencer"])
    assert suggestion(only, MARKS, [Evidence("influencer", "influencer", 5, 1)]).startswith("Narrow the list")


def test_an_exclusion_list_grows_by_the_value_the_wrong_leads_share():
    countries = rule("country", "not_in", ["US"], required=True)
    evidence = [Evidence("GB", "GB", 4, 0), Evidence("DE", "DE", 1, 10)]
    assert suggestion(countries, MARKS, evidence).startswith("Exclude GB too: 4 of the 5 leads")


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (rule(required=True), "Raise the minimum, or make it a weighted rule — marked wrong on 50% of rejected"),
        (rule("engagement", "gte", {"score": 10, "days": 30}), "Raise the engagement score it asks for"),
        (rule("content", "engaged_with", {"days": 90}), "Count only content that shows buying intent"),
        (rule("budget", "known", None), "Ask for a minimum budget instead of any stated budget"),
        (rule("pain_point", "known", None), "Name the pain points that count instead of any stated one"),
        (rule("industry", "in", ["Retail"]), "Narrow the list, or lower its weight (now 25)"),
        (rule("employees", "between", [1, 9]), "Narrow the range"),
    ],
)
def test_generic_suggestions_fit_the_kind_of_rule(facts, expected):
    assert suggestion(facts, MARKS, []).startswith(expected)


def test_a_rule_marked_wrong_mostly_on_accepted_leads_is_loosened_not_tightened():
    marks = Marks(wrong=5, wrong_rejected=0, wrong_accepted=5, verdicts=20, rejected=4, accepted=16)
    assert suggestion(rule(weight=20), marks, []) == (
        "Lower its weight (now 20) or drop it — marked wrong on 31% of accepted leads (5 of 16)."
    )
    assert suggestion(rule(required=True), marks, []).startswith("Loosen it or drop it")


def test_without_rejected_verdicts_the_share_is_of_all_verdicts_and_an_unknown_rule_says_so():
    marks = Marks(wrong=3, wrong_rejected=0, wrong_accepted=0, verdicts=12, rejected=0, accepted=0)
    assert suggestion(rule(), marks, []).endswith("— marked wrong in 25% of verdicts (3 of 12).")
    assert suggestion(None, marks, []).startswith("This wording is not among the version's rules any more")


# Table cells


def test_cells_read_as_people_write_figures():
    assert [shown_text(v, COUNT) for v in (0, 1234, None)] == ["0", "1,234", "–"]
    assert [shown_text(v, MONEY) for v in (Decimal("12000.00"), Decimal("99.50"))] == ["12,000", "99.50"]
    assert [shown_text(v, PERCENT) for v in (50.0, 33.3)] == ["50%", "33.3%"]
    assert shown_text(True, "text") == "Yes" and shown_text(date(2026, 5, 4), "day") == "4 May 2026"
    assert rate(1, 3) == 33.3 and rate(1, 0) is None


def test_csv_starts_with_a_bom_and_defuses_what_a_spreadsheet_would_run():
    table = Table("t", "T", [Column("Name"), Column("Leads", COUNT), Column("Value", MONEY)])
    table.rows = [Row(["=cmd|'/C calc'!A0", -5, Decimal("1.5")]), Row(["+1 plan", 0, None]), Row(["@risk", 3, None])]
    lines = "".join(csv_text(table)).splitlines()
    assert lines == ["\ufeffName,Leads,Value", "'=cmd\\|'/C calc'!A0,-5,1.50", "'+1 plan,0,", "'@risk,3,"]
