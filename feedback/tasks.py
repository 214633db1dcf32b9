from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def refresh_dashboards_task(org_id: int, full: bool = False) -> dict:
    from feedback.services.snapshots import refresh_dashboards

    return refresh_dashboards(org_id=org_id, full=full)


@shared_task(acks_late=True)
def refresh_all_dashboards_task(full: bool = False) -> int:
    from accounts.selectors import all_organization_ids
    from smarketing.queue import enqueue_on_commit

    ids = all_organization_ids()
    for org_id in ids:
        enqueue_on_commit(refresh_dashboards_task, org_id, full)
    return len(ids)
