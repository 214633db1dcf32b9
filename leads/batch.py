"""Per-item outcomes of a batch: every item is stored, recognised as a duplicate, or refused with reasons."""

from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DUPLICATE = "duplicate"
    ERROR = "error"


@dataclass
class ItemResult:
    index: int
    status: Outcome
    id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        body: dict = {"index": self.index, "status": self.status.value}
        if self.id is not None:
            body["id"] = self.id
        if self.errors:
            body["errors"] = self.errors
        return body


@dataclass
class BatchResult:
    results: list[ItemResult]

    @property
    def counts(self) -> dict[str, int]:
        counts = {outcome.value: 0 for outcome in Outcome}
        for result in self.results:
            counts[result.status.value] += 1
        return counts

    def as_dict(self) -> dict:
        return {"results": [r.as_dict() for r in self.results], "counts": self.counts}

    def stored_ids(self) -> list[int]:
        return [r.id for r in self.results if r.status in (Outcome.CREATED, Outcome.UPDATED) and r.id]
