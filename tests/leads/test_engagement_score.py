from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from leads.engagement import HALF_LIFE_DAYS, HORIZON_DAYS, WEIGHTS, Touch, engagement_score, score_parts, touch_points

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_a_touch_today_is_worth_its_kinds_weight():
    assert touch_points(Touch("download", NOW), NOW) == WEIGHTS["download"]


def test_a_touch_loses_half_its_worth_each_half_life():
    assert touch_points(Touch("attend", days_ago(HALF_LIFE_DAYS)), NOW) == 5.0
    assert touch_points(Touch("attend", days_ago(2 * HALF_LIFE_DAYS)), NOW) == 2.5


def test_touches_beyond_the_horizon_and_unknown_kinds_count_nothing():
    assert touch_points(Touch("demo_request", days_ago(HORIZON_DAYS + 1)), NOW) == 0
    assert touch_points(Touch("telepathy", NOW), NOW) == 0


def test_a_touch_stamped_slightly_in_the_future_counts_as_now():
    assert touch_points(Touch("view", NOW + timedelta(hours=3)), NOW) == WEIGHTS["view"]


def test_the_window_counts_only_touches_since_its_start():
    touches = [Touch("download", days_ago(40)), Touch("view", days_ago(2))]
    assert engagement_score(touches, NOW, since=days_ago(30)) == round(touch_points(touches[1], NOW), 1)


def test_parts_break_the_score_down_by_kind_biggest_first():
    touches = [Touch("view", NOW), Touch("view", NOW), Touch("download", NOW), Touch("email_open", NOW)]
    parts = score_parts(touches, NOW)
    assert [(p.kind, p.touches, p.points) for p in parts] == [
        ("download", 1, 5.0),
        ("view", 2, 2.0),
        ("email_open", 1, 0.5),
    ]
    assert engagement_score(touches, NOW) == sum(p.points for p in parts)


touch_lists = st.lists(st.builds(Touch, st.sampled_from(sorted(WEIGHTS)), st.floats(0, 400).map(days_ago)), max_size=30)


@given(touch_lists, st.sampled_from(sorted(WEIGHTS)), st.floats(0, 400))
def test_another_touch_never_lowers_the_score(touches, kind, age):
    assert engagement_score([*touches, Touch(kind, days_ago(age))], NOW) >= engagement_score(touches, NOW)


@given(touch_lists, st.floats(0, 100))
def test_scores_only_fade_as_time_passes(touches, later_days):
    assert engagement_score(touches, NOW + timedelta(days=later_days)) <= engagement_score(touches, NOW) + 0.1


@given(touch_lists)
def test_the_score_does_not_depend_on_the_order_of_touches(touches):
    assert engagement_score(touches, NOW) == engagement_score(list(reversed(touches)), NOW)
