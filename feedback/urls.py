from django.urls import path

from feedback import dashboard_views, report_views, views

app_name = "feedback"

urlpatterns = [
    path("inbox/<int:pk>/follow-ups/", views.follow_up, name="follow_up"),
    path("inbox/<int:pk>/quality/", views.quality, name="quality"),
    path("inbox/<int:pk>/close/", views.close, name="close"),
    path("sales-lists/", views.lists, name="lists"),
    path("sales-lists/objections/", views.objection_add, name="objection_add"),
    path("sales-lists/objections/<int:pk>/take-off/", views.objection_take_off, name="objection_take_off"),
    path("sales-lists/loss-reasons/", views.loss_reason_add, name="loss_reason_add"),
    path("sales-lists/loss-reasons/<int:pk>/take-off/", views.loss_reason_take_off, name="loss_reason_take_off"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/calibration/", dashboard_views.score_calibration, name="calibration"),
    path("dashboard/figures/<slug:name>.csv", dashboard_views.figure_csv, name="dashboard_csv"),
    path("dashboard/refresh/", dashboard_views.refresh_now, name="dashboard_refresh"),
    path("reports/voice-of-sales/", report_views.voice_of_sales, name="voice_of_sales"),
    path("reports/check-in/", report_views.check_in, name="check_in"),
    path("reports/check-in/notes/", report_views.check_in_notes, name="check_in_notes"),
    path("reports/win-loss/", report_views.win_loss, name="win_loss"),
]
