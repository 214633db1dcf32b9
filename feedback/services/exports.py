from django.http import HttpRequest

from accounts.models import AuditEvent, Membership
from accounts.services import record_audit_event


def record_figures_export(*, by: Membership, report: str, table: str, query: str, request: HttpRequest) -> None:
    """A dashboard figure or a meeting-pack table downloaded as CSV: figures about people's work
    leave the product, so the audit log says who took which, with the filters they used."""
    record_audit_event(
        kind=AuditEvent.Kind.FIGURES_EXPORTED,
        request=request,
        org=by.org,
        actor=by.user,
        target=f"{report}: {table}",
        details={"report": report, "table": table, "filters": query[:1000]},
    )
