"""The Celery app and every periodic job, each with when and why it runs.

Beat's schedule lives here in code (Celery's default scheduler keeps its state in a file under
var/): django-celery-beat would pin Django below 6.1.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings")

app = Celery("smarketing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Every minute: proves to /healthz that a worker is consuming and beat is ticking.
    "worker-heartbeat": {"task": "smarketing.tasks.record_worker_heartbeat", "schedule": 60.0},
    # Every minute: evaluates leads (new events, new or changed data) that wait longer than a job
    # takes, and resends re-evaluation chunks of an activation: their nudge or message was lost
    # while the broker was down, or their job failed.
    "sweep-pending-evaluations": {"task": "leads.tasks.sweep_pending_evaluations_task", "schedule": 60.0},
    # Every minute: re-enqueues lead imports queued or running without progress for a few minutes,
    # because their message was lost while the broker was down or their worker died mid-import.
    "sweep-stuck-imports": {"task": "leads.tasks.sweep_stuck_imports_task", "schedule": 60.0},
    # Every minute: e-mails of notices whose job was lost while the broker was down, or gave up on
    # the mail server, are sent to the workers again (each notice is still e-mailed once).
    "sweep-notification-emails": {"task": "accounts.tasks.sweep_notification_emails_task", "schedule": 60.0},
    # Every minute: SLA clocks due a look move on track → at risk → breached, and notify once.
    "sweep-sla-clocks": {"task": "sla.tasks.sweep_clocks_task", "schedule": 60.0},
    # Every 15 minutes: the SLA figures of the running period follow the day's hand-offs.
    "current-compliance": {"task": "sla.tasks.compute_all_compliance_task", "schedule": 900.0},
    # Nightly at 01:15 UTC: the period that just closed is computed once more in full and kept final.
    "close-compliance-periods": {
        "task": "sla.tasks.compute_all_compliance_task",
        "schedule": crontab(hour=1, minute=15),
        "args": (2,),
    },
    # Every 5 minutes: the dashboards' snapshots of today and yesterday follow the leads' moves.
    "refresh-dashboards": {"task": "feedback.tasks.refresh_all_dashboards_task", "schedule": 300.0},
    # Nightly at 03:00 UTC: every snapshot rebuilt in full (owners and campaigns of old leads change too).
    "rebuild-dashboards": {
        "task": "feedback.tasks.refresh_all_dashboards_task",
        "schedule": crontab(hour=3, minute=0),
        "kwargs": {"full": True},
    },
    # Nightly at 02:30 UTC: engagement fades with time even without new events, so every score
    # is brought to today's value before the day's qualification runs.
    "refresh-engagement-scores": {
        "task": "leads.tasks.refresh_engagement_scores_task",
        "schedule": crontab(hour=2, minute=30),
    },
}
