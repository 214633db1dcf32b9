"""Project-wide views: the health endpoint and the error pages (HTML for people, JSON for the API)."""

import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from smarketing.api import error_body
from smarketing.celery import app as celery_app
from smarketing.queue import broker_pause
from smarketing.tasks import last_worker_heartbeat

logger = logging.getLogger(__name__)


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:  # any failure means "down"; the details belong in the log, not in the answer
        logger.exception("health check: database unreachable")
        return "down"


def _broker_state() -> str:
    # One try, bounded by the broker's socket timeouts: a load balancer's probe gives up within seconds.
    if broker_pause.active:
        return "down"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0)
        return "ok"
    except Exception:
        broker_pause.failed()
        logger.warning("health check: broker unreachable", exc_info=True)
        return "down"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers; the broker and the worker are reported, not required."""
    database = _database_state()
    heartbeat = last_worker_heartbeat() if database == "ok" else None
    body = {
        "status": "ok" if database == "ok" else "down",
        "database": database,
        "broker": _broker_state(),
        "worker_last_seen": heartbeat.isoformat() if heartbeat else None,
        "time": timezone.now().isoformat(),
    }
    return JsonResponse(body, status=200 if database == "ok" else 503)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error(request: HttpRequest, status: int, code: str, message: str, template: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body(code, message), status=status)
    return render(request, template, {"message": message}, status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, 400, "bad_request", "The request could not be understood.", "400.html")


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, 403, "permission_denied", "Your role does not allow this.", "403.html")


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, 404, "not_found", "There is nothing here.", "404.html")


def method_not_allowed(request: HttpRequest) -> HttpResponse:
    return _error(request, 405, "method_not_allowed", "This address does not take that kind of request.", "405.html")


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body("server_error", "Something went wrong on our side. It is logged."), status=500)
    # No request context: the failure may lie in what the context processors read.
    return render(None, "500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    message = "This form had expired. Reload the page and try again."
    return _error(request, 403, "csrf_failed", message, "403_csrf.html")
