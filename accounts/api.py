import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Membership
from accounts.roles import Capability, Role, Side
from accounts.selectors import members_visible_to
from accounts.serializers import MemberSerializer, MeSerializer
from smarketing.filters import TrueOrFalseFilter


class MeView(APIView):
    """Who this token or session acts as: member, organization, and what the role may do."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        member = request.member
        capabilities = [cap.value for cap in Capability if member.can(cap)]
        return Response(MeSerializer({"member": member, "capabilities": capabilities}).data)


class MemberFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    side = django_filters.ChoiceFilter(choices=Side.choices)
    is_active = TrueOrFalseFilter()


class MemberListView(generics.ListAPIView):
    """The organization's members, e.g. to pick the rep of a hand-off."""

    serializer_class = MemberSerializer
    filterset_class = MemberFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return members_visible_to(self.request.member)
