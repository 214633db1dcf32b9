from django.urls import path

from sla import views

app_name = "sla"

urlpatterns = [
    path("sla/", views.sla, name="sla"),
    path("sla/agreements/", views.agreements, name="agreements"),
    path("sla/agreements/new/", views.agreement_new, name="agreement_new"),
    path("sla/agreements/compare/", views.agreement_diff, name="agreement_diff"),
    path("sla/agreements/<int:pk>/", views.agreement, name="agreement"),
    path("sla/agreements/<int:pk>/edit/", views.agreement_edit, name="agreement_edit"),
    path("sla/agreements/<int:pk>/propose/", views.agreement_propose, name="agreement_propose"),
    path("sla/agreements/<int:pk>/sign/", views.agreement_sign, name="agreement_sign"),
    path("sla/agreements/<int:pk>/send-back/", views.agreement_send_back, name="agreement_send_back"),
]
