"""GET /api/v1/metrics/...: the dashboard's figures for machines, with the dashboard's filters.

Each answer is one figure: its columns (a stable key and a label) and its rows (an object per row,
keyed by column), when its snapshots were last refreshed ("as_of"), and the filters as applied: a
rep always gets their own figures, and roles that may not narrow figures to a rep or a team have
those parameters ignored (see feedback.dashboards). Figures a role may not see answer 403.
"""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback.dashboard_forms import PERIODS, DashboardFilterForm
from feedback.dashboards import CLOSE_RATES_BY, Filters, figure, figure_visible, scope_for
from smarketing.errors import DomainError, NotAllowed

ERROR = OpenApiResponse(description="The JSON error shape: code, message, fields.")
FILTER_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day of the period (also accepted as `from`)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day of the period, included (also `to`)."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="Same as `start`, as in /api/v1/metrics/sla/."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Same as `end`."),
    OpenApiParameter(
        "period", OpenApiTypes.STR, enum=[value for value, _ in PERIODS],
        description="A named period up to today in the organization's time zone; without it and without "
        "dates, the last 90 days. At most three years.",
    ),
    OpenApiParameter("campaign", OpenApiTypes.INT, description="A campaign id of your organization."),
    OpenApiParameter("source", OpenApiTypes.STR, description="A lead source, as the leads carry it."),
    OpenApiParameter(
        "rep", OpenApiTypes.INT, description="A sales member's id (managers and admins; ignored for others)."
    ),
    OpenApiParameter(
        "team", OpenApiTypes.INT,
        description="A routing rule's id: its reps (managers and admins; ignored for others).",
    ),
]  # fmt: skip


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The row objects' key for this column")
    label = serializers.CharField(help_text="As the dashboard's table and CSV file name it")


class AppliedFiltersSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    campaign = serializers.IntegerField(allow_null=True)
    source = serializers.CharField(allow_blank=True)
    rep = serializers.IntegerField(allow_null=True, help_text="A rep's own id when a rep asks")
    team = serializers.IntegerField(allow_null=True)


class FigureSerializer(serializers.Serializer):
    figure = serializers.CharField()
    as_of = serializers.DateTimeField(allow_null=True, help_text="When the snapshots read were last refreshed")
    filters = AppliedFiltersSerializer()
    columns = ColumnSerializer(many=True)
    rows = serializers.ListField(child=serializers.DictField(), help_text="One object per row, keyed by column")
    note = serializers.CharField(allow_blank=True)
    summary = serializers.DictField(help_text="Headline numbers or readings in words, where the figure has them")


def metric_filters(request: Request) -> Filters:
    """The request's filters, validated like the dashboard's; 400 with the field errors when not."""
    params = request.query_params
    data = {name: params.get(name) for name in ("period", "start", "end", "campaign", "source", "rep", "team")}
    data["start"] = data["start"] or params.get("from")
    data["end"] = data["end"] or params.get("to")
    member = request.member
    for name in ("rep", "team"):
        # Ignored for roles that may not narrow figures by them, but a value that is no id at all is
        # still the client's mistake, and the answer says so whoever asks.
        value = (data[name] or "").strip()
        if value and not (value.isascii() and value.isdigit()):
            raise DomainError(f"{name}: Must be an id (a whole number).", fields={name: ["Not a whole number."]})
    form = DashboardFilterForm(
        {k: v for k, v in data.items() if v not in (None, "")},
        member=member,
        today=timezone.now().astimezone(member.org.zone).date(),
    )
    if not form.is_valid():
        fields = {name: list(errors) for name, errors in form.errors.items()}
        first, errors = next(iter(fields.items()))
        raise DomainError(f"{first}: {errors[0]}", fields=fields)
    return form.filters()


def _json(value):
    # Dates in rows (the SLA's periods) as ISO strings, like every date of this API.
    return value.isoformat() if hasattr(value, "isoformat") else value


class MetricView(APIView):
    """One figure of the dashboard; subclasses name it."""

    name = ""

    def figure_name(self, request: Request) -> str:
        return self.name

    def get(self, request: Request) -> Response:
        filters = metric_filters(request)
        scope = scope_for(request.member, filters)
        name = self.figure_name(request)
        if not figure_visible(scope, name):
            raise NotAllowed("Your role does not see this figure: it judges individual sales people.")
        figures = figure(scope, name)
        applied = scope.filters
        return Response({
            "figure": name,
            "as_of": figures.as_of,
            "filters": {"start": applied.start, "end": applied.end, "campaign": applied.campaign,
                        "source": applied.source, "rep": applied.rep, "team": applied.team},
            "columns": [{"key": c.key, "label": c.label} for c in figures.columns],
            "rows": [{k: _json(v) for k, v in row.items()} for row in figures.records()],
            "note": figures.note,
            "summary": {k: _json(v) for k, v in figures.summary.items()},
        })  # fmt: skip


def _schema(summary: str, description: str, extra: list | None = None):
    return extend_schema(
        summary=summary, description=description, parameters=FILTER_PARAMETERS + (extra or []),
        responses={200: FigureSerializer, 400: ERROR, 403: ERROR},
    )  # fmt: skip


class FunnelMetricsView(MetricView):
    name = "funnel"

    @_schema(
        "Funnel",
        "Leads that entered each stage (new, MQL, handed off, accepted, working, opportunity, won) in the period, "
        "by the stage timestamps of the leads, and each stage's share of the stage before.",
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class HandoffTimingsMetricsView(MetricView):
    name = "handoff-timings"

    @_schema(
        "Time to answer and to first touch",
        "Median and 90th percentile, in business hours, of the time from hand-off to answer (accept or reject) "
        "and from accepting to the first touch, for hand-offs made in the period. Not for marketers.",
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class AcceptanceMetricsView(MetricView):
    name = "acceptance"

    @_schema(
        "Acceptance",
        "Hand-offs made in the period: answered, accepted, rejected by reason, and accepted leads worked.",
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class CloseRatesMetricsView(MetricView):
    def figure_name(self, request: Request) -> str:
        by = request.query_params.get("by") or "source"
        if by not in CLOSE_RATES_BY:
            raise DomainError(
                "by is source, campaign or version.", fields={"by": [f"Not one of {', '.join(CLOSE_RATES_BY)}."]}
            )
        return f"close-rates-by-{by}"

    @_schema(
        "Close rates",
        "Leads won and lost in the period, grouped by source, campaign or criteria version, with the close rate "
        "and the value won.",
        [OpenApiParameter("by", OpenApiTypes.STR, enum=list(CLOSE_RATES_BY), description="Default: source")],
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class RepsMetricsView(MetricView):
    name = "reps"

    @_schema(
        "Rep table",
        "Per rep: hand-offs received in the period, answers, median timings, work, won and lost. A rep gets "
        "their own row; not for marketers.",
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class CalibrationMetricsView(MetricView):
    name = "calibration"

    @_schema(
        "Score calibration",
        "Per fit-score band (the score at hand-off), for the active criteria version and the one before: "
        "hand-offs, acceptance and close rate; `summary.readings` says in words whether the criteria predict.",
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class MqlMetricsView(MetricView):
    name = "mql"

    @_schema(
        "MQLs this month and last",
        "MQL volume and quality (handed off, accepted by sales, fit score at hand-off, fit rated by reps) in "
        "the month of the period's end, up to that day, and the whole month before.",
    )
    def get(self, request: Request) -> Response:
        return super().get(request)
