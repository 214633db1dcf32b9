from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api as accounts_api
from accounts import views as accounts_views
from feedback import api as feedback_api
from feedback import report_api
from leads import api as leads_api
from sla import api as sla_api
from smarketing import views

api_v1 = [
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("members/", accounts_api.MemberListView.as_view(), name="members"),
    path("leads/", leads_api.LeadListCreateView.as_view(), name="leads"),
    path("leads/bulk/", leads_api.LeadBulkView.as_view(), name="leads-bulk"),
    path("leads/<int:pk>/", leads_api.LeadDetailView.as_view(), name="lead"),
    path("events/", leads_api.EventView.as_view(), name="events"),
    path("campaigns/", leads_api.CampaignListView.as_view(), name="campaigns"),
    path("campaigns/<int:pk>/", leads_api.CampaignDetailView.as_view(), name="campaign"),
    path("content-assets/", leads_api.ContentAssetListView.as_view(), name="content-assets"),
    path("content-assets/<int:pk>/", leads_api.ContentAssetDetailView.as_view(), name="content-asset"),
    path("criteria-versions/", leads_api.CriteriaVersionListView.as_view(), name="criteria-versions"),
    path("criteria-versions/<int:pk>/", leads_api.CriteriaVersionDetailView.as_view(), name="criteria-version"),
    path("leads/<int:pk>/evaluation/", leads_api.LeadEvaluationView.as_view(), name="lead-evaluation"),
    path("leads/<int:pk>/handoff/", leads_api.HandOffView.as_view(), name="lead-handoff"),
    path("leads/<int:pk>/accept/", leads_api.AcceptView.as_view(), name="lead-accept"),
    path("leads/<int:pk>/reject/", leads_api.RejectView.as_view(), name="lead-reject"),
    path("leads/<int:pk>/follow-ups/", leads_api.FollowUpView.as_view(), name="lead-follow-ups"),
    path("leads/<int:pk>/close/", leads_api.CloseView.as_view(), name="lead-close"),
    path("metrics/sla/", sla_api.SlaMetricsView.as_view(), name="metrics-sla"),
    path("metrics/funnel/", feedback_api.FunnelMetricsView.as_view(), name="metrics-funnel"),
    path("metrics/mql/", feedback_api.MqlMetricsView.as_view(), name="metrics-mql"),
    path("metrics/acceptance/", feedback_api.AcceptanceMetricsView.as_view(), name="metrics-acceptance"),
    path("metrics/handoff-timings/", feedback_api.HandoffTimingsMetricsView.as_view(), name="metrics-handoff-timings"),
    path("metrics/close-rates/", feedback_api.CloseRatesMetricsView.as_view(), name="metrics-close-rates"),
    path("metrics/reps/", feedback_api.RepsMetricsView.as_view(), name="metrics-reps"),
    path("metrics/calibration/", feedback_api.CalibrationMetricsView.as_view(), name="metrics-calibration"),
    path("reports/voice-of-sales/", report_api.VoiceOfSalesView.as_view(), name="report-voice-of-sales"),
    path("reports/check-in/", report_api.CheckInView.as_view(), name="report-check-in"),
    path("reports/win-loss/", report_api.WinLossView.as_view(), name="report-win-loss"),
]

urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("", include("leads.urls")),
    path("", include("feedback.urls")),
    path("", include("sla.urls")),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[]), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[]),
        name="api-docs",
    ),
]

handler400 = "smarketing.views.bad_request"
handler403 = "smarketing.views.permission_denied"
handler404 = "smarketing.views.page_not_found"
handler500 = "smarketing.views.server_error"
