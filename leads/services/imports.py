"""CSV import of leads: upload, column mapping, and the background run that feeds upsert_leads in chunks.

The run survives a worker killed half-way: each chunk's leads, its rejected rows and the progress
counters commit in one transaction, so a restarted run resumes from `processed_rows` and ends with
the same counts and no lead twice. A conditional UPDATE hands the import to one worker at a time,
and every chunk re-checks that this worker still holds it before writing anything.
"""

import logging
import uuid
from datetime import timedelta
from itertools import batched, islice

from django.db import OperationalError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AuditEvent, Membership
from accounts.roles import Capability
from accounts.services import record_audit_event, require
from leads.batch import Outcome
from leads.csv_import import (
    CsvFileError,
    Record,
    data_records,
    describe_errors,
    header_key,
    inspect_file,
    mapping_problems,
    resolve_campaign,
    row_problem,
    row_to_item,
)
from leads.models import ImportColumnChoice, LeadImport, LeadImportRejection
from leads.selectors import campaign_ids_by_reference
from leads.services.leads import upsert_leads
from smarketing.errors import Conflict, DomainError
from smarketing.queue import enqueue_on_commit

logger = logging.getLogger(__name__)
Status = LeadImport.Status
CHUNK_SIZE = 500
# A chunk takes seconds; an import without progress for this long lost its worker (or its message).
STALE_AFTER = timedelta(minutes=3)
FAILED_MESSAGE = (
    "The import stopped on an unexpected error. The rows counted above are stored; upload the file again "
    "to import the rest (rows already stored come out as unchanged)."
)


@transaction.atomic
def upload_lead_file(*, by: Membership, file_name: str, data: bytes) -> LeadImport:
    """Store an uploaded CSV file for mapping. Nothing is imported yet."""
    require(by, Capability.WORK_MARKETING_LEADS)
    try:
        inspected = inspect_file(data)
    except CsvFileError as error:
        raise DomainError(str(error), code="bad_file", fields={"file": [str(error)]}) from None
    return LeadImport.objects.create(
        org_id=by.org_id,
        created_by=by,
        file_name=file_name.replace("\\", "/").rsplit("/", 1)[-1][:255] or "leads.csv",
        file_size=len(data),
        data=data,
        encoding=inspected.encoding,
        delimiter=inspected.delimiter,
        headers=inspected.headers,
        sample=[[record.line, record.cells] for record in inspected.sample],
        total_rows=inspected.total_rows,
    )


@transaction.atomic
def save_import_mapping(*, by: Membership, lead_import: LeadImport, mapping: list[str]) -> LeadImport:
    """Confirm which lead field each column holds, and remember the choices for the next import."""
    require(by, Capability.WORK_MARKETING_LEADS)
    problems = mapping_problems(lead_import.headers, mapping)
    if problems:
        fields = {("__all__" if index is None else f"col_{index}"): [message] for index, message in problems.items()}
        raise DomainError(next(iter(problems.values())), code="bad_mapping", fields=fields)
    updated = LeadImport.objects.filter(pk=lead_import.pk, org_id=by.org_id, status=Status.UPLOADED).update(
        mapping=mapping
    )
    if updated != 1:
        raise Conflict("This import has already started: its columns can no longer change.", code="import_started")
    now = timezone.now()
    # The last confirmed choice for a header wins, "Don't import" included.
    choices = {header_key(header): name for header, name in zip(lead_import.headers, mapping, strict=True)}
    ImportColumnChoice.objects.bulk_create(
        [
            ImportColumnChoice(org_id=by.org_id, header_key=key, field=name, updated_at=now)
            for key, name in choices.items()
            if key
        ],
        update_conflicts=True,
        unique_fields=["org", "header_key"],
        update_fields=["field", "updated_at"],
    )
    lead_import.mapping = mapping
    return lead_import


@transaction.atomic
def start_lead_import(*, by: Membership, lead_import: LeadImport, request: HttpRequest | None = None) -> LeadImport:
    """Hand a mapped import to the background workers."""
    require(by, Capability.WORK_MARKETING_LEADS)
    now = timezone.now()
    # Conditional UPDATE: a double-clicked Start queues the import once.
    updated = (
        LeadImport.objects.filter(pk=lead_import.pk, org_id=by.org_id, status=Status.UPLOADED)
        .exclude(mapping=[])
        .update(status=Status.QUEUED, queued_at=now, heartbeat_at=now)
    )
    if updated != 1:
        lead_import.refresh_from_db(fields=["status", "mapping"])
        if lead_import.status == Status.UPLOADED:
            raise Conflict("Confirm which lead field each column holds first.", code="mapping_missing")
        raise Conflict("This import has already started.", code="import_started")
    record_audit_event(
        kind=AuditEvent.Kind.IMPORT_STARTED,
        request=request,
        org=by.org,
        actor=by.user,
        target=lead_import.file_name,
        details={"import": lead_import.pk, "rows": lead_import.total_rows},
    )
    from leads.tasks import run_lead_import_task

    enqueue_on_commit(run_lead_import_task, lead_import.pk)
    lead_import.refresh_from_db(fields=["status", "queued_at", "heartbeat_at"])
    return lead_import


def run_lead_import(*, lead_import_id: int, chunk_size: int = CHUNK_SIZE) -> str:
    """Import the rows not yet processed, chunk by chunk. Returns what happened, for the worker's log."""
    token = uuid.uuid4().hex
    now = timezone.now()
    # Conditional UPDATE: of two workers given the same import (a redelivered message, a sweeper's
    # nudge), exactly one claims it. A running import is taken over only once its heartbeat is stale.
    claimed = (
        LeadImport.objects.filter(pk=lead_import_id)
        .filter(Q(status=Status.QUEUED) | Q(status=Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER))
        .update(status=Status.RUNNING, worker_token=token, heartbeat_at=now, started_at=Coalesce("started_at", now))
    )
    if claimed != 1:
        return "not claimed"
    job = LeadImport.objects.select_related("org", "created_by__user").get(pk=lead_import_id)
    try:
        rows = islice(
            data_records(bytes(job.data), encoding=job.encoding, delimiter=job.delimiter), job.processed_rows, None
        )
        done = job.processed_rows
        for chunk in batched(rows, chunk_size):
            if not _import_chunk(job, token, list(chunk), done):
                return "taken over"
            done += len(chunk)
        return "done" if _finish(job, token, Status.DONE) else "taken over"
    except OperationalError:
        # The database went away: hand the import back, so the task's retry can claim it at once.
        _release(job, token)
        raise
    except Exception:
        logger.exception("lead import %s failed", job.pk)
        _finish(job, token, Status.FAILED, error=FAILED_MESSAGE)
        return "failed"


@transaction.atomic
def _import_chunk(job: LeadImport, token: str, chunk: list[Record], done: int) -> bool:
    """Store one chunk with its rejections and counters in one transaction; False when the import is no longer ours."""
    # Fencing: a worker that was presumed dead and taken over must not write a single row.
    held = (
        LeadImport.objects.select_for_update()
        .filter(pk=job.pk, status=Status.RUNNING, worker_token=token, processed_rows=done)
        .exists()
    )
    if not held:
        return False
    headers, mapping = job.headers, job.mapping
    problems = [row_problem(record.cells, headers) for record in chunk]
    items = [row_to_item(record.cells, mapping) for record in chunk]
    references = {item["campaign_external_id"] for item in items if item.get("campaign_external_id")}
    campaigns = campaign_ids_by_reference(org_id=job.org_id, references=references)
    sendable = [i for i, problem in enumerate(problems) if not problem]
    result = upsert_leads(org=job.org, items=[resolve_campaign(items[i], campaigns) for i in sendable])
    outcomes = dict.fromkeys(Outcome, 0)
    reasons = {i: problem for i, problem in enumerate(problems) if problem}
    for index, item_result in zip(sendable, result.results, strict=True):
        outcomes[item_result.status] += 1
        if item_result.status == Outcome.ERROR:
            reasons[index] = describe_errors(item_result.errors, headers, mapping)
    LeadImportRejection.objects.bulk_create(
        [
            LeadImportRejection(
                org_id=job.org_id,
                lead_import_id=job.pk,
                line_number=chunk[i].line,
                reason=reason,
                values=chunk[i].cells,
            )
            for i, reason in sorted(reasons.items())
        ]
    )
    LeadImport.objects.filter(pk=job.pk).update(
        processed_rows=F("processed_rows") + len(chunk),
        created_count=F("created_count") + outcomes[Outcome.CREATED],
        updated_count=F("updated_count") + outcomes[Outcome.UPDATED],
        unchanged_count=F("unchanged_count") + outcomes[Outcome.DUPLICATE],
        rejected_count=F("rejected_count") + len(reasons),
        heartbeat_at=timezone.now(),
    )
    return True


@transaction.atomic
def _finish(job: LeadImport, token: str, status: str, error: str = "") -> bool:
    finished = LeadImport.objects.filter(pk=job.pk, status=Status.RUNNING, worker_token=token).update(
        status=status, error=error, finished_at=timezone.now(), worker_token=""
    )
    if finished != 1:
        return False
    job.refresh_from_db(fields=["created_count", "updated_count", "unchanged_count", "rejected_count"])
    record_audit_event(
        kind=AuditEvent.Kind.IMPORT_FINISHED,
        org=job.org,
        actor=job.created_by.user if job.created_by else None,
        outcome=AuditEvent.Outcome.OK if status == Status.DONE else AuditEvent.Outcome.FAILED,
        target=job.file_name,
        details={
            "import": job.pk,
            "created": job.created_count,
            "updated": job.updated_count,
            "unchanged": job.unchanged_count,
            "rejected": job.rejected_count,
        },
    )
    return True


def _release(job: LeadImport, token: str) -> None:
    try:
        LeadImport.objects.filter(pk=job.pk, status=Status.RUNNING, worker_token=token).update(
            status=Status.QUEUED, worker_token=""
        )
    except OperationalError:
        logger.warning("lead import %s not released; the sweeper will hand it out again", job.pk)


def sweep_stuck_imports(*, limit: int = 100) -> int:
    """Enqueue again imports without progress for a while: their message was lost, or their worker died."""
    cutoff = timezone.now() - STALE_AFTER
    stuck = list(
        LeadImport.objects.filter(status__in=[Status.QUEUED, Status.RUNNING], heartbeat_at__lt=cutoff)
        .order_by("heartbeat_at")
        .values_list("id", "status")[:limit]
    )
    # A queued import gets a fresh heartbeat, so one lost message is not re-sent every minute; a
    # running one keeps its stale heartbeat, which is what lets the next worker take it over.
    queued = [pk for pk, status in stuck if status == Status.QUEUED]
    LeadImport.objects.filter(pk__in=queued, status=Status.QUEUED).update(heartbeat_at=timezone.now())
    from leads.tasks import run_lead_import_task

    for pk, _status in stuck:
        enqueue_on_commit(run_lead_import_task, pk)
    return len(stuck)


def record_rejections_export(*, by: Membership, lead_import: LeadImport, request: HttpRequest | None = None) -> None:
    """Downloading rejected rows is an export of lead data: it goes to the audit log."""
    require(by, Capability.WORK_MARKETING_LEADS)
    record_audit_event(
        kind=AuditEvent.Kind.REJECTIONS_EXPORTED,
        request=request,
        org=by.org,
        actor=by.user,
        target=lead_import.file_name,
        details={"import": lead_import.pk, "rows": lead_import.rejected_count},
    )
