"""Reads of the meeting packs (SPEC sections 5 and 7): voice of sales, the monthly campaign check-in
and the quarterly win/loss rundown. Each takes the asking member and a period and returns tables;
each table is one aggregate SQL statement, scoped to the member's organization (a rep: their leads)."""

from feedback.reports.check_in import MIN_ANSWERED, RANKING_RULE, CheckIn, campaign_check_in
from feedback.reports.tables import Column, Row, Table, csv_text
from feedback.reports.voice import VoiceOfSales, voice_of_sales
from feedback.reports.win_loss import WinLoss, win_loss

__all__ = [
    "MIN_ANSWERED",
    "RANKING_RULE",
    "CheckIn",
    "Column",
    "Row",
    "Table",
    "VoiceOfSales",
    "WinLoss",
    "campaign_check_in",
    "csv_text",
    "voice_of_sales",
    "win_loss",
]
