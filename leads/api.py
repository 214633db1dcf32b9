"""API for marketing tools and web forms: leads, engagement events, campaigns and content."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Capability
from accounts.selectors import members_visible_to
from feedback import services as feedback
from leads.batch import Outcome
from leads.filters import LeadFilter
from leads.models import Campaign, ContentAsset, CriteriaVersion, Lead
from leads.selectors import (
    assets_visible_to,
    campaigns_visible_to,
    criteria_versions_visible_to,
    evaluate_lead_now,
    lead_after_action,
    lead_list,
    lead_score_parts,
    lead_timeline,
    leads_visible_to,
)
from leads.serializers import (
    BatchResultSerializer,
    CampaignSerializer,
    CloseInSerializer,
    ContentAssetSerializer,
    CriteriaVersionSerializer,
    EventBatchInSerializer,
    EventInSerializer,
    FollowUpInSerializer,
    FollowUpOutSerializer,
    HandOffInSerializer,
    ItemResultSerializer,
    LeadBatchInSerializer,
    LeadDetailSerializer,
    LeadEvaluationSerializer,
    LeadInSerializer,
    LeadOutSerializer,
    RejectInSerializer,
)
from leads.services import catalog, handoff
from leads.services.events import record_engagement_events
from leads.services.leads import upsert_leads
from smarketing.api import IsOrgMember, error_body, member_can
from smarketing.errors import DomainError
from smarketing.idempotency import idempotent

MAX_LEADS = 1000
MAX_EVENTS = 5000
ERROR = OpenApiResponse(description="The JSON error shape: code, message, fields.")


def _batch_items(data, limit: int) -> tuple[list | None, Response | None]:
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        body = error_body("invalid", 'Send {"items": [...]}.', {"items": ["A list is required."]})
        return None, Response(body, status=status.HTTP_400_BAD_REQUEST)
    if len(items) > limit:
        message = f"At most {limit} items per request; this one has {len(items)}. Split it."
        return None, Response(error_body("too_many_items", message), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    return items, None


def _single_item_answer(result, data) -> Response:
    if result.status == Outcome.ERROR:
        fields = result.errors
        first_field, first_errors = next(iter(fields.items()))
        return Response(error_body("invalid", f"{first_field}: {first_errors[0]}", fields), status=400)
    code = status.HTTP_201_CREATED if result.status == Outcome.CREATED else status.HTTP_200_OK
    return Response(data, status=code)


class WritesNeedMarketing(IsOrgMember):
    """Anyone in the organization reads; marketing (and integrations acting as marketers) writes."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in ("GET", "HEAD", "OPTIONS") or request.member.can(Capability.WORK_MARKETING_LEADS)


class LeadListCreateView(generics.GenericAPIView):
    permission_classes = [WritesNeedMarketing]
    serializer_class = LeadOutSerializer
    filterset_class = LeadFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Lead.objects.none()
        return lead_list(self.request.member)

    @extend_schema(operation_id="leads_list", responses=LeadOutSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Leads, newest first; filter by status, campaign, source, owner, score ranges, dates, or search."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(LeadOutSerializer(page, many=True).data)

    @extend_schema(
        request=LeadInSerializer,
        responses={201: LeadOutSerializer, 200: LeadOutSerializer, 400: ERROR},
        description="Create the lead, or update the one with the same external_id (else e-mail).",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        result = upsert_leads(org=request.member.org, items=[request.data]).results[0]
        lead = lead_list(request.member).filter(pk=result.id).first() if result.id else None
        return _single_item_answer(result, LeadOutSerializer(lead).data if lead else None)


class LeadBulkView(APIView):
    permission_classes = [member_can(Capability.WORK_MARKETING_LEADS)]

    @extend_schema(
        request=LeadBatchInSerializer,
        responses={200: BatchResultSerializer, 400: ERROR, 413: ERROR},
        description="Up to 1000 leads; each is created, updated, a duplicate, or refused with its reasons.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        items, refusal = _batch_items(request.data, MAX_LEADS)
        if refusal:
            return refusal
        return Response(upsert_leads(org=request.member.org, items=items).as_dict())


class LeadDetailView(APIView):
    @extend_schema(responses=LeadDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        """The lead with its engagement score's parts and its latest 100 touches."""
        lead = get_object_or_404(lead_list(request.member), pk=pk)
        lead.engagement_parts = lead_score_parts(lead)
        lead.timeline = lead_timeline(lead)
        return Response(LeadDetailSerializer(lead).data)


class EventView(APIView):
    permission_classes = [member_can(Capability.WORK_MARKETING_LEADS)]

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="EventsIn",
            serializers=[EventBatchInSerializer, EventInSerializer],
            resource_type_field_name=None,
        ),
        responses={200: BatchResultSerializer, 201: ItemResultSerializer, 400: ERROR, 413: ERROR},
        description=(
            'One event, or {"items": [...]} with up to 5000. An event with a known external_id is a '
            "duplicate and stored once. Unknown assets are created when asset_title is sent."
        ),
    )
    @idempotent
    def post(self, request: Request) -> Response:
        if isinstance(request.data, dict) and "items" not in request.data:
            result = record_engagement_events(org=request.member.org, items=[request.data]).results[0]
            return _single_item_answer(result, result.as_dict())
        items, refusal = _batch_items(request.data, MAX_EVENTS)
        if refusal:
            return refusal
        return Response(record_engagement_events(org=request.member.org, items=items).as_dict())


class CampaignListView(generics.GenericAPIView):
    permission_classes = [WritesNeedMarketing]
    serializer_class = CampaignSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Campaign.objects.none()
        return campaigns_visible_to(self.request.member).order_by("-created_at", "-id")

    @extend_schema(operation_id="campaigns_list", responses=CampaignSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CampaignSerializer(page, many=True).data)

    @extend_schema(responses={201: CampaignSerializer, 400: ERROR})
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = CampaignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = catalog.create_campaign(by=request.member, **serializer.validated_data)
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetailView(generics.GenericAPIView):
    permission_classes = [WritesNeedMarketing]
    serializer_class = CampaignSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Campaign.objects.none()
        return campaigns_visible_to(self.request.member)

    def get(self, request: Request, pk: int) -> Response:
        return Response(CampaignSerializer(self.get_object()).data)

    @extend_schema(responses={200: CampaignSerializer, 400: ERROR})
    def patch(self, request: Request, pk: int) -> Response:
        campaign = self.get_object()
        serializer = CampaignSerializer(campaign, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        campaign = catalog.update_campaign(by=request.member, campaign=campaign, **serializer.validated_data)
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(responses={204: None, 409: ERROR})
    def delete(self, request: Request, pk: int) -> Response:
        catalog.delete_campaign(by=request.member, campaign=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContentAssetListView(generics.GenericAPIView):
    permission_classes = [WritesNeedMarketing]
    serializer_class = ContentAssetSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ContentAsset.objects.none()
        return assets_visible_to(self.request.member).order_by("title", "id")

    @extend_schema(operation_id="content_assets_list", responses=ContentAssetSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ContentAssetSerializer(page, many=True).data)

    @extend_schema(responses={201: ContentAssetSerializer, 400: ERROR})
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = ContentAssetSerializer(data=request.data, context={"member": request.member})
        serializer.is_valid(raise_exception=True)
        asset = catalog.create_content_asset(by=request.member, **serializer.validated_data)
        return Response(ContentAssetSerializer(asset).data, status=status.HTTP_201_CREATED)


class ContentAssetDetailView(generics.GenericAPIView):
    permission_classes = [WritesNeedMarketing]
    serializer_class = ContentAssetSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ContentAsset.objects.none()
        return assets_visible_to(self.request.member)

    def get(self, request: Request, pk: int) -> Response:
        return Response(ContentAssetSerializer(self.get_object()).data)

    @extend_schema(responses={200: ContentAssetSerializer, 400: ERROR})
    def patch(self, request: Request, pk: int) -> Response:
        asset = self.get_object()
        serializer = ContentAssetSerializer(asset, data=request.data, partial=True, context={"member": request.member})
        serializer.is_valid(raise_exception=True)
        asset = catalog.update_content_asset(by=request.member, asset=asset, **serializer.validated_data)
        return Response(ContentAssetSerializer(asset).data)

    @extend_schema(responses={204: None, 409: ERROR})
    def delete(self, request: Request, pk: int) -> Response:
        catalog.delete_content_asset(by=request.member, asset=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CriteriaVersionListView(generics.GenericAPIView):
    serializer_class = CriteriaVersionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CriteriaVersion.objects.none()
        return criteria_versions_visible_to(self.request.member).prefetch_related("rules", "signatures__member__user")

    @extend_schema(operation_id="criteria_versions_list", responses=CriteriaVersionSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Every criteria version, newest first, with its rules (in words too), status and signatures."""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CriteriaVersionSerializer(page, many=True).data)


class CriteriaVersionDetailView(generics.GenericAPIView):
    serializer_class = CriteriaVersionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CriteriaVersion.objects.none()
        return criteria_versions_visible_to(self.request.member).prefetch_related("rules", "signatures__member__user")

    def get(self, request: Request, pk: int) -> Response:
        return Response(CriteriaVersionSerializer(self.get_object()).data)


class LeadEvaluationView(APIView):
    @extend_schema(responses=LeadEvaluationSerializer)
    def get(self, request: Request, pk: int) -> Response:
        """The lead judged now by the active criteria: fit, engagement, qualified, and every rule's reason."""
        lead = get_object_or_404(leads_visible_to(request.member), pk=pk)
        version, result = evaluate_lead_now(lead)
        body = {
            "lead": lead.pk,
            "criteria_version": version.pk if version else None,
            "fit_score": result.fit_score if result else None,
            "engagement_score": result.engagement_score if result else lead.engagement_score,
            "qualified": bool(result and result.qualified),
            "rules": [o.as_dict() for o in result.outcomes] if result else [],
        }
        return Response(body)


class LeadActionView(APIView):
    """Base of the actions on one lead: fetched through the member's view of leads (404 otherwise)."""

    def lead(self, request: Request, pk: int) -> Lead:
        return get_object_or_404(leads_visible_to(request.member), pk=pk)

    def answer(self, request: Request, lead: Lead) -> Response:
        return Response(LeadOutSerializer(lead_after_action(lead)).data)


class HandOffView(LeadActionView):
    permission_classes = [member_can(Capability.WORK_MARKETING_LEADS)]

    @extend_schema(request=HandOffInSerializer, responses={200: LeadOutSerializer, 400: ERROR, 409: ERROR})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        """Hand the qualified lead to a rep (named, or chosen by the routing rules), with a note."""
        lead = self.lead(request, pk)
        data = HandOffInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rep = None
        if data.validated_data.get("rep") is not None:
            rep = members_visible_to(request.member).filter(pk=data.validated_data["rep"]).first()
            if rep is None:
                raise DomainError("No such member in your organization.", fields={"rep": ["Unknown member."]})
        handoff.hand_off_lead(lead=lead, by=request.member, rep=rep, note=data.validated_data.get("note", ""),
                              request=request)  # fmt: skip
        return self.answer(request, lead)


class AcceptView(LeadActionView):
    permission_classes = [member_can(Capability.WORK_SALES_LEADS)]

    @extend_schema(request=None, responses={200: LeadOutSerializer, 403: ERROR, 409: ERROR})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        lead = self.lead(request, pk)
        handoff.accept_lead(lead=lead, by=request.member, request=request)
        return self.answer(request, lead)


class RejectView(LeadActionView):
    permission_classes = [member_can(Capability.WORK_SALES_LEADS)]

    @extend_schema(request=RejectInSerializer, responses={200: LeadOutSerializer, 400: ERROR, 409: ERROR})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        lead = self.lead(request, pk)
        data = RejectInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handoff.reject_lead(lead=lead, by=request.member, reason=data.validated_data["reason"],
                            note=data.validated_data.get("note", ""), request=request)  # fmt: skip
        return self.answer(request, lead)


class FollowUpView(LeadActionView):
    permission_classes = [member_can(Capability.WORK_SALES_LEADS)]

    @extend_schema(request=FollowUpInSerializer, responses={201: FollowUpOutSerializer, 400: ERROR, 409: ERROR})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        """Log a call, mail or meeting with its outcome, objections and pain points heard."""
        lead = self.lead(request, pk)
        data = FollowUpInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        follow_up = feedback.log_follow_up(lead=lead, by=request.member, **data.validated_data)
        follow_up.lead.refresh_from_db(fields=["status"])
        return Response(FollowUpOutSerializer(follow_up).data, status=status.HTTP_201_CREATED)


class CloseView(LeadActionView):
    permission_classes = [member_can(Capability.WORK_SALES_LEADS)]

    @extend_schema(request=CloseInSerializer, responses={200: LeadOutSerializer, 400: ERROR, 409: ERROR})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        """Opportunity with its value, won (value, what helped) or lost (reason from your list, competitor)."""
        lead = self.lead(request, pk)
        data = CloseInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        asset_id = values.pop("helped_asset", None)
        asset = assets_visible_to(request.member).filter(pk=asset_id).first() if asset_id else None
        if asset_id and asset is None:
            raise DomainError("No such content in your organization.", fields={"helped_asset": ["Unknown."]})
        reason = values.pop("loss_reason", "") or None
        if isinstance(reason, str) and reason.isdigit():
            reason = int(reason)
        feedback.close_lead(lead=lead, by=request.member, helped_asset=asset, loss_reason=reason, **values)
        return self.answer(request, lead)
