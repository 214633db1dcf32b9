"""GET /api/v1/reports/...: the meeting packs for machines — voice of sales, the monthly campaign
check-in with its saved notes, the quarterly win/loss rundown.

The same reads as the pages (feedback.reports), so the API, the page and its CSV files always show
the same figures. Every member may ask; a sales rep gets the figures of the leads handed to them.
Where a page shows its default and a sentence, the API answers 400 with the field.
"""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback import reports
from feedback.periods import Month, Quarter
from feedback.reports.scope import scope_of
from feedback.reports.voice import PERIODS
from feedback.serializers import (
    CheckInSerializer,
    VoiceOfSalesSerializer,
    WinLossSerializer,
    month_filter,
    note_data,
    quarter_filter,
    table_data,
    voice_of_sales_filters,
)


def _today(request: Request):
    return timezone.localdate(timezone=request.member.org.zone)


def _own_rep(request: Request) -> int | None:
    return scope_of(request.member).rep_id


class VoiceOfSalesView(APIView):
    @extend_schema(
        summary="Voice of sales",
        description="What reps hear and what they think of the leads: objections and new pain points month by "
        "month, by campaign and by content touched before the hand-off; the pain points heard most; lead "
        "quality and reject reasons per criteria version and per campaign (hand-offs made in the period); the "
        "active version's criteria reps mark wrong most often, with a suggested change. The tables of the "
        "voice-of-sales page and its CSV files.",
        parameters=[
            OpenApiParameter(
                "months", OpenApiTypes.INT, enum=list(PERIODS),
                description="The last 3, 6 or 12 months up to this one, in the organization's time zone. Default: 6.",
            ),
            OpenApiParameter(
                "campaign", OpenApiTypes.INT,
                description="A campaign id of your organization: only its leads. Any other id answers 400.",
            ),
        ],
        responses=VoiceOfSalesSerializer,
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        member = request.member
        months, campaign = voice_of_sales_filters(request.query_params, member=member)
        report = reports.voice_of_sales(member, months=months, campaign_id=campaign, today=_today(request))
        version = report.version
        return Response({
            "months": months,
            "period": {"first": report.months[0].param, "last": report.months[-1].param,
                       "label": report.period_label},
            "campaign": campaign,
            "rep": _own_rep(request),
            "criteria_version": {"id": version.pk, "number": version.number, "name": version.name}
            if version else None,
            "tables": {table.name: table_data(table) for table in report.tables},
        })  # fmt: skip


class CheckInView(APIView):
    @extend_schema(
        summary="Monthly campaign check-in",
        description="Per campaign, and per content asset under its campaign: new leads, MQLs, hand-offs, "
        "accepted, rejected by reason, acceptance, verdicts and average fit, opportunities, won and value "
        "won, in the month; the best and the worst rows flagged (`ranking_rule` says how); and the "
        "decisions the meeting saved for that month. The table of the check-in page and its CSV file.",
        parameters=[
            OpenApiParameter(
                "month", OpenApiTypes.STR,
                description="The month reviewed, like 2026-05. Default: last month, in the organization's time zone.",
            ),
        ],
        responses=CheckInSerializer,
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        month = month_filter(request.query_params, default=Month.of(_today(request)).previous)
        check_in = reports.campaign_check_in(request.member, month=month)
        return Response({
            "month": month.param,
            "label": month.label,
            "rep": _own_rep(request),
            "ranking_rule": reports.RANKING_RULE,
            "table": table_data(check_in.table, marks=True),
            "notes": note_data(check_in.note),
        })  # fmt: skip


class WinLossView(APIView):
    @extend_schema(
        summary="Quarterly win/loss rundown",
        description="Deals closed as won or lost in the quarter: totals and values, loss reasons, won against "
        "lost by source, campaign, competitor, objection logged and content touched before the outcome, and "
        "the tactics and content most present in won deals. The tables of the win/loss page and its CSV files.",
        parameters=[
            OpenApiParameter(
                "quarter", OpenApiTypes.STR,
                description="The quarter, like 2026-Q2. Default: the last finished quarter, in the organization's "
                "time zone.",
            ),
        ],
        responses=WinLossSerializer,
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        quarter = quarter_filter(request.query_params, default=Quarter.of(_today(request)).previous)
        report = reports.win_loss(request.member, quarter=quarter)
        return Response({
            "quarter": quarter.param,
            "label": quarter.label,
            "rep": _own_rep(request),
            "won": report.won,
            "lost": report.lost,
            "win_rate": report.win_rate,
            "won_value": float(report.won_value),
            "lost_value": float(report.lost_value),
            "tables": {table.name: table_data(table) for table in report.tables},
        })  # fmt: skip
