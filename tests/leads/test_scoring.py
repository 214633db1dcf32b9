from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leads.engagement import HORIZON
from leads.scoring import (
    OPERATORS,
    Attribute,
    ContentTouch,
    Criteria,
    LeadFacts,
    Operator,
    Result,
    Rule,
    describe,
    evaluate,
)

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
A = Attribute
Op = Operator


def judge(rule: Rule, **facts) -> tuple[str, str]:
    outcome = evaluate(Criteria((rule,)), LeadFacts(**facts), NOW, asset_topics={7: ["churn"], 8: ["pricing"]})
    return outcome.outcomes[0].result.value, outcome.outcomes[0].reason


def touch(kind: str, days_ago: float, asset: int | None = None) -> ContentTouch:
    return ContentTouch(kind, NOW - timedelta(days=days_ago), asset)


@pytest.mark.parametrize(
    ("rule", "facts", "result", "reason"),
    [
        (Rule(A.COUNTRY, Op.IN, ["DE", "AT", "CH"]), {"country": "AT"}, "held", "Country AT is one of DE, AT, CH"),
        (Rule(A.COUNTRY, Op.IN, ["DE", "AT", "CH"]), {"country": "FR"}, "failed",
         "Country FR is not one of DE, AT, CH"),
        (Rule(A.COUNTRY, Op.IN, ["DE"]), {}, "unknown", "Country unknown"),
        (Rule(A.COUNTRY, Op.NOT_IN, ["US"]), {"country": "DE"}, "held", "Country DE is not one of US"),
        (Rule(A.COUNTRY, Op.NOT_IN, ["US"]), {"country": "US"}, "failed", "Country US is one of US"),
        (Rule(A.REGION, Op.IN, ["Bavaria"]), {"region": "bavaria"}, "held", "Region bavaria is one of Bavaria"),
        (Rule(A.EMPLOYEES, Op.AT_LEAST, 200), {"employees": 250}, "held", "Employees 250 ≥ 200"),
        (Rule(A.EMPLOYEES, Op.AT_LEAST, 200), {"employees": 200}, "held", "Employees 200 ≥ 200"),
        (Rule(A.EMPLOYEES, Op.AT_LEAST, 200), {"employees": 199}, "failed", "Employees 199 < 200"),
        (Rule(A.EMPLOYEES, Op.AT_LEAST, 200), {}, "unknown", "Employees unknown"),
        (Rule(A.EMPLOYEES, Op.AT_MOST, 5000), {"employees": 5001}, "failed", "Employees 5,001 > 5,000"),
        (Rule(A.EMPLOYEES, Op.BETWEEN, [50, 500]), {"employees": 50}, "held", "Employees 50 between 50 and 500"),
        (Rule(A.EMPLOYEES, Op.BETWEEN, [50, 500]), {"employees": 10}, "failed", "Employees 10 below the range 50–500"),
        (Rule(A.EMPLOYEES, Op.BETWEEN, [50, 500]), {"employees": 900}, "failed",
         "Employees 900 above the range 50–500"),
        (Rule(A.ANNUAL_REVENUE, Op.AT_LEAST, 1e6), {"annual_revenue": 2_500_000}, "held",
         "Annual revenue 2,500,000 ≥ 1,000,000"),
        (Rule(A.INDUSTRY, Op.IN, ["Software", "Retail"]), {"industry": "retail"}, "held",
         "Industry retail is one of Software, Retail"),
        (Rule(A.BUYING_AUTHORITY, Op.IN, ["decision_maker"]), {"buying_authority": "decision_maker"}, "held",
         "Buying authority decision maker is one of decision maker"),
        (Rule(A.BUYING_AUTHORITY, Op.IN, ["decision_maker"]), {"buying_authority": "unknown"}, "unknown",
         "Buying authority unknown"),
        (Rule(A.BUDGET, Op.KNOWN), {"budget": 50_000}, "held", "Budget 50,000 stated"),
        (Rule(A.BUDGET, Op.KNOWN), {}, "unknown", "Budget unknown"),
        (Rule(A.BUDGET, Op.AT_LEAST, 20_000), {"budget": 10_000}, "failed", "Budget 10,000 < 20,000"),
        (Rule(A.TIMELINE, Op.IN, ["within_1_month", "within_3_months"]), {"timeline": "within_3_months"}, "held",
         "Purchase timeline within 3 months is one of within 1 month, within 3 months"),
        (Rule(A.TIMELINE, Op.IN, ["within_1_month"]), {"timeline": "unknown"}, "unknown", "Purchase timeline unknown"),
        (Rule(A.PAIN_POINT, Op.KNOWN), {"pain_points": ("slow onboarding",)}, "held",
         "Pain point stated: slow onboarding"),
        (Rule(A.PAIN_POINT, Op.KNOWN), {}, "unknown", "No pain point stated"),
        (Rule(A.PAIN_POINT, Op.ANY_OF, ["Cost of churn"]), {"pain_points": ("cost of churn",)}, "held",
         "Pain point “cost of churn” is one of Cost of churn"),
        (Rule(A.PAIN_POINT, Op.ANY_OF, ["cost of churn"]), {"pain_points": ("data silos",)}, "failed",
         "Pain points data silos are none of cost of churn"),
        (Rule(A.ENGAGEMENT, Op.AT_LEAST, {"score": 10, "days": 30}), {"touches": (touch("attend", 0),)}, "held",
         "Engagement over the last 30 days 10 ≥ 10"),
        (Rule(A.ENGAGEMENT, Op.AT_LEAST, {"score": 10, "days": 30}), {"touches": (touch("attend", 40),)}, "failed",
         "Engagement over the last 30 days 0 < 10"),
        (Rule(A.ENGAGEMENT, Op.AT_LEAST, {"score": 1, "days": 30}), {}, "failed",
         "Engagement over the last 30 days 0 < 1"),
        (Rule(A.CONTENT, Op.ENGAGED_WITH, {"assets": [7], "days": 60}), {"touches": (touch("download", 3, 7),)},
         "held", "Engaged with 1 chosen asset on 29 May 2026"),
        (Rule(A.CONTENT, Op.ENGAGED_WITH, {"topic": "Pricing", "days": 60}), {"touches": (touch("view", 1, 8),)},
         "held", "Engaged with content on “Pricing” on 31 May 2026"),
        (Rule(A.CONTENT, Op.ENGAGED_WITH, {"assets": [7], "days": 10}), {"touches": (touch("download", 30, 7),)},
         "failed", "No engagement with 1 chosen asset in the last 10 days"),
    ],
)  # fmt: skip
def test_each_operator_holds_fails_or_is_unknown_with_a_reason(rule, facts, result, reason):
    assert judge(rule, **facts) == (result, reason)


def test_every_attribute_offers_operators_that_describe_themselves():
    values = {Op.IN: ["x"], Op.NOT_IN: ["x"], Op.AT_LEAST: 1, Op.AT_MOST: 1, Op.BETWEEN: [1, 2], Op.KNOWN: None,
              Op.ANY_OF: ["x"], Op.ENGAGED_WITH: {"topic": "x", "days": 5}}  # fmt: skip
    for attribute, operators in OPERATORS.items():
        for operator in operators:
            value = {"score": 5, "days": 30} if attribute == A.ENGAGEMENT else values[operator]
            assert describe(Rule(attribute, operator, value))


def test_fit_is_the_share_of_weight_held_and_required_rules_gate_qualification():
    criteria = Criteria(
        (
            Rule(A.COUNTRY, Op.IN, ["DE"], required=True),
            Rule(A.EMPLOYEES, Op.AT_LEAST, 200, weight=30),
            Rule(A.BUDGET, Op.KNOWN, weight=20),
            Rule(A.TIMELINE, Op.IN, ["within_3_months"], weight=50),
        ),
        min_fit_score=50,
    )
    lead = LeadFacts(country="DE", employees=300, timeline="within_3_months")
    result = evaluate(criteria, lead, NOW)
    assert (result.fit_score, result.qualified) == (80, True)
    assert [o.result for o in result.outcomes] == [Result.HELD, Result.HELD, Result.UNKNOWN, Result.HELD]
    assert not evaluate(criteria, LeadFacts(country="FR", employees=300, timeline="within_3_months"), NOW).qualified
    assert not evaluate(criteria, LeadFacts(employees=300, timeline="within_3_months"), NOW).qualified
    assert evaluate(criteria, LeadFacts(country="DE", employees=300), NOW).fit_score == 30


def test_the_engagement_threshold_uses_the_leads_current_score():
    criteria = Criteria((), min_engagement_score=8)
    assert evaluate(criteria, LeadFacts(touches=(touch("form_submit", 0),)), NOW).qualified
    assert not evaluate(criteria, LeadFacts(touches=(touch("form_submit", 40),)), NOW).qualified


def test_the_summary_names_what_held_and_what_did_not():
    criteria = Criteria((Rule(A.COUNTRY, Op.IN, ["DE"]), Rule(A.BUDGET, Op.KNOWN)))
    assert evaluate(criteria, LeadFacts(country="DE"), NOW).summary == "Country is one of DE; not: Budget is stated"


facts = st.builds(
    LeadFacts,
    country=st.sampled_from(["", "DE", "FR", "US"]),
    employees=st.one_of(st.none(), st.integers(0, 100_000)),
    budget=st.one_of(st.none(), st.integers(0, 10**6)),
    timeline=st.sampled_from(["unknown", "within_1_month", "later"]),
    pain_points=st.lists(st.sampled_from(["churn", "silos"]), max_size=2).map(tuple),
    touches=st.lists(
        st.builds(ContentTouch, st.sampled_from(["view", "download", "attend"]),
                  st.floats(0, 200).map(lambda d: NOW - timedelta(days=d)), st.sampled_from([None, 7, 8])),
        max_size=8,
    ).map(tuple),
)  # fmt: skip
rules = st.lists(
    st.one_of(
        st.builds(Rule, st.just(A.COUNTRY), st.sampled_from([Op.IN, Op.NOT_IN]), st.just(["DE", "US"]), st.booleans(),
                  st.integers(0, 50)),
        st.builds(Rule, st.just(A.EMPLOYEES), st.just(Op.AT_LEAST), st.integers(0, 5000), st.booleans(),
                  st.integers(0, 50)),
        st.builds(Rule, st.just(A.BUDGET), st.just(Op.KNOWN), st.none(), st.booleans(), st.integers(0, 50)),
        st.builds(Rule, st.just(A.PAIN_POINT), st.just(Op.ANY_OF), st.just(["churn"]), st.booleans(),
                  st.integers(0, 50)),
        st.builds(Rule, st.just(A.CONTENT), st.just(Op.ENGAGED_WITH), st.just({"topic": "churn", "days": 90}),
                  st.booleans(), st.integers(0, 50)),
    ),
    max_size=6,
).map(tuple)  # fmt: skip


@given(rules, facts, st.integers(0, 100), st.floats(0, 50))
def test_evaluation_is_deterministic_and_consistent(rules, facts, min_fit, min_engagement):
    criteria = Criteria(rules, min_fit, min_engagement)
    first = evaluate(criteria, facts, NOW, asset_topics={7: ["churn"]})
    assert first == evaluate(criteria, facts, NOW, asset_topics={7: ["churn"]})
    assert 0 <= first.fit_score <= 100
    assert len(first.outcomes) == len(rules)
    if first.qualified:
        assert all(o.result == Result.HELD for o in first.outcomes if o.required)
        assert first.fit_score >= min_fit and first.engagement_score >= min_engagement


@given(rules, facts)
def test_lowering_the_thresholds_never_disqualifies_a_lead(rules, facts):
    strict = evaluate(Criteria(rules, 60, 5.0), facts, NOW, asset_topics={7: ["churn"]})
    lenient = evaluate(Criteria(rules, 30, 1.0), facts, NOW, asset_topics={7: ["churn"]})
    assert lenient.qualified or not strict.qualified


windows = st.lists(
    st.one_of(
        st.builds(Rule, st.just(A.ENGAGEMENT), st.just(Op.AT_LEAST),
                  st.fixed_dictionaries({"score": st.integers(0, 20), "days": st.integers(1, 400)}), st.booleans(),
                  st.integers(0, 50)),
        st.builds(Rule, st.just(A.CONTENT), st.just(Op.ENGAGED_WITH),
                  st.fixed_dictionaries({"assets": st.just([7]), "days": st.integers(1, 400)}), st.booleans(),
                  st.integers(0, 50)),
        st.builds(Rule, st.just(A.EMPLOYEES), st.just(Op.AT_LEAST), st.integers(0, 5000), st.booleans(),
                  st.integers(0, 50)),
    ),
    max_size=4,
).map(tuple)  # fmt: skip


@given(windows, facts, st.floats(0, 50))
def test_touches_older_than_the_criteria_look_change_no_evaluation(rules, facts, kept_score):
    # What a re-evaluation relies on to read fewer touches: given the lead's kept-current score,
    # only the touches within the longest rule window (at most the engagement horizon) matter.
    criteria = Criteria(rules, 50, 2.0)
    facts = facts._replace(engagement_score=round(kept_score, 1))
    horizon = [t for t in facts.touches if t.occurred_at >= NOW - HORIZON]
    full = evaluate(criteria, facts._replace(touches=tuple(horizon)), NOW, asset_topics={7: []})
    if criteria.touch_window is None:
        assert not any(rule.attribute in (A.ENGAGEMENT, A.CONTENT) for rule in rules)
        read = ()
    else:
        read = tuple(t for t in horizon if t.occurred_at >= NOW - criteria.touch_window)
    assert evaluate(criteria, facts._replace(touches=read), NOW, asset_topics={7: []}) == full


def test_the_touch_window_is_the_longest_rule_window_within_the_horizon():
    engaged = Rule(A.ENGAGEMENT, Op.AT_LEAST, {"score": 5, "days": 30})
    content = Rule(A.CONTENT, Op.ENGAGED_WITH, {"assets": [7], "days": 90})
    assert Criteria((engaged, content)).touch_window == timedelta(days=90)
    assert Criteria((Rule(A.CONTENT, Op.ENGAGED_WITH, {"days": 500}),)).touch_window == HORIZON
    assert Criteria((Rule(A.COUNTRY, Op.IN, ["DE"]),)).touch_window is None


def test_leads_with_the_same_values_get_the_same_reasons_and_different_values_their_own():
    criteria = Criteria((Rule(A.EMPLOYEES, Op.BETWEEN, [50, 500]), Rule(A.COUNTRY, Op.IN, ["DE"])))
    reasons = [
        [o.reason for o in evaluate(criteria, LeadFacts(employees=n, country=c), NOW).outcomes]
        for n, c in [(60, "DE"), (900, "FR"), (60, "DE"), (10, "de")]
    ]
    assert reasons == [
        ["Employees 60 between 50 and 500", "Country DE is one of DE"],
        ["Employees 900 above the range 50–500", "Country FR is not one of DE"],
        ["Employees 60 between 50 and 500", "Country DE is one of DE"],
        ["Employees 10 below the range 50–500", "Country de is one of DE"],
    ]
