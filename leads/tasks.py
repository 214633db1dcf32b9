from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def evaluate_pending_task(org_id: int) -> int:
    from leads.services.qualification import evaluate_pending

    return evaluate_pending(org_id=org_id)


@shared_task(acks_late=True)
def sweep_pending_evaluations_task() -> int:
    from leads.services.qualification import resend_stuck_chunks, sweep_pending_evaluations

    return sweep_pending_evaluations() + resend_stuck_chunks()


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError,), retry_backoff=True)
def reevaluate_chunks_task(chunk_ids: list[int]) -> int:
    from leads.services.qualification import reevaluate_chunks

    return reevaluate_chunks(chunk_ids=chunk_ids)


@shared_task(acks_late=True)
def refresh_engagement_scores_task() -> int:
    from accounts.selectors import all_organization_ids
    from leads.services.engagement import refresh_engagement_scores

    return sum(refresh_engagement_scores(org_id=org_id) for org_id in all_organization_ids())


# reject_on_worker_lost gives the message back when the worker dies mid-import; the run resumes
# from the rows already committed.
@shared_task(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5
)
def run_lead_import_task(lead_import_id: int) -> str:
    from leads.services.imports import run_lead_import

    return run_lead_import(lead_import_id=lead_import_id)


@shared_task(acks_late=True)
def sweep_stuck_imports_task() -> int:
    from leads.services.imports import sweep_stuck_imports

    return sweep_stuck_imports()
