"""Writes of the feedback loop (follow-ups, verdicts, outcomes, lists) and of the dashboard snapshots."""

from feedback.services.loop import (
    DEFAULT_LOSS_REASONS,
    DEFAULT_OBJECTIONS,
    add_to_list,
    close_lead,
    ensure_default_lists,
    log_follow_up,
    record_quality_feedback,
    take_off_list,
)

__all__ = [
    "DEFAULT_LOSS_REASONS",
    "DEFAULT_OBJECTIONS",
    "add_to_list",
    "close_lead",
    "ensure_default_lists",
    "log_follow_up",
    "record_quality_feedback",
    "take_off_list",
]
