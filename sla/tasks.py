from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def sweep_clocks_task() -> int:
    from sla.services.clocks import sweep_clocks

    return sweep_clocks()


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError,), retry_backoff=True)
def compute_compliance_task(org_id: int, periods: int = 1) -> int:
    from sla.services.compliance import compute_current_periods, compute_history

    return compute_current_periods(org_id=org_id) if periods == 1 else compute_history(org_id=org_id, periods=periods)


@shared_task(acks_late=True)
def compute_all_compliance_task(periods: int = 1) -> int:
    from accounts.selectors import all_organization_ids
    from smarketing.queue import enqueue_on_commit

    ids = all_organization_ids()
    for org_id in ids:
        enqueue_on_commit(compute_compliance_task, org_id, periods)
    return len(ids)
