from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup, name="signup"),
    path("password-reset/", views.password_reset_request, name="password_reset"),
    path("password-reset/<str:uidb64>/<str:token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("invitation/<str:uidb64>/<str:token>/", views.invitation, name="invitation"),
    path("account/", views.account, name="account"),
    path("switch-org/", views.switch_org, name="switch_org"),
    path("settings/", views.org_settings, name="settings"),
    path("settings/holidays/", views.holiday_add, name="holiday_add"),
    path("settings/holidays/<int:pk>/delete/", views.holiday_delete, name="holiday_delete"),
    path("members/", views.members, name="members"),
    path("members/integrations/", views.integration_add, name="integration_add"),
    path("members/<int:pk>/role/", views.member_role, name="member_role"),
    path("members/<int:pk>/deactivate/", views.member_deactivate, name="member_deactivate"),
    path("members/<int:pk>/reactivate/", views.member_reactivate, name="member_reactivate"),
    path("members/<int:pk>/resend-invitation/", views.member_resend_invitation, name="member_resend_invitation"),
    path("api-tokens/", views.tokens, name="tokens"),
    path("api-tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("audit-log/", views.audit_log, name="audit_log"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/bell/", views.notification_bell, name="notification_bell"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
]
