"""GET /api/v1/metrics/sla/: the agreement's objectives and their figures per period."""

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sla.selectors import sla_figures
from smarketing.errors import DomainError


class SlaFigureSerializer(serializers.Serializer):
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    value = serializers.FloatField(allow_null=True, help_text="Percent for shares, a count for MQLs delivered")
    met = serializers.BooleanField(allow_null=True)


class SlaRepFigureSerializer(SlaFigureSerializer):
    member = serializers.IntegerField()
    name = serializers.CharField()


class SlaPeriodSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    final = serializers.BooleanField()
    org = SlaFigureSerializer(allow_null=True)
    team = SlaFigureSerializer(allow_null=True)
    reps = SlaRepFigureSerializer(many=True)


class SlaObjectiveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    side = serializers.CharField()
    metric = serializers.CharField()
    target = serializers.FloatField()
    period = serializers.CharField()
    statement = serializers.CharField()
    periods = SlaPeriodSerializer(many=True)


class SlaMetricsSerializer(serializers.Serializer):
    agreement = serializers.DictField(allow_null=True)
    objectives = SlaObjectiveSerializer(many=True)


def query_date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError(f"{name} must be a date like 2026-03-01.", fields={name: ["Not a date."]}) from None


class SlaMetricsView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day of the first period to include"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day to include"),
        ],
        responses=SlaMetricsSerializer,
    )
    def get(self, request: Request) -> Response:
        """The active agreement's objectives, each with its figure per period (org, team, each rep)."""
        start = query_date(request.query_params.get("from"), "from")
        end = query_date(request.query_params.get("to"), "to")
        if start and end and start > end:
            raise DomainError("from must not be after to.", fields={"to": ["Before from."]})
        return Response(sla_figures(request.member, start=start, end=end))
