from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership, Organization


class LeadImport(models.Model):
    """A CSV file of leads uploaded in the browser, and how far its background import has come."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveIntegerField(default=0)
    # The file itself lives in PostgreSQL: the web server and the workers may run on different machines.
    data = models.BinaryField()
    encoding = models.CharField(max_length=40)
    delimiter = models.CharField(max_length=1)
    headers = models.JSONField(default=list)
    # The first rows as [line, cells], so the mapping and preview pages never load the whole file.
    sample = models.JSONField(default=list)
    # One lead field name (or "ignore") per column; empty until the member confirms it.
    mapping = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # The worker holding the import, and when it last showed progress: a stale one is taken over.
    worker_token = models.CharField(max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    processed_rows=models.F("created_count")
                    + models.F("updated_count")
                    + models.F("unchanged_count")
                    + models.F("rejected_count")
                ),
                name="leadimport_counts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(processed_rows__lte=models.F("total_rows")), name="leadimport_processed_within_total"
            ),
        ]
        indexes = [
            models.Index(fields=["org", "-created_at"], name="leadimport_org_created_idx"),
            # The sweeper's to-do list across tenants: only unfinished imports are in it.
            models.Index(
                fields=["heartbeat_at"],
                condition=Q(status__in=["queued", "running"]),
                name="leadimport_unfinished_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return 100 * self.processed_rows // self.total_rows if self.total_rows else 0


class LeadImportRejection(models.Model):
    """A row of an import that was not stored, with why, and its values as they were in the file."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    lead_import = models.ForeignKey(LeadImport, on_delete=models.CASCADE, related_name="rejections")
    line_number = models.PositiveIntegerField()
    reason = models.TextField()
    values = models.JSONField(default=list)

    class Meta:
        ordering = ["line_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "lead_import", "line_number"], name="leadimportrejection_unique_line"
            ),
        ]

    def __str__(self) -> str:
        return f"Line {self.line_number}: {self.reason}"


class ImportColumnChoice(models.Model):
    """The lead field an organization last chose for a column header: the next import's first guess."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # The header without case, spaces or punctuation, as leads.csv_import.header_key makes it.
    header_key = models.CharField(max_length=200)
    field = models.CharField(max_length=40)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "header_key"], name="importcolumnchoice_unique_header"),
        ]

    def __str__(self) -> str:
        return f"{self.header_key} → {self.field}"
