"""`Idempotency-Key` for API writes: a retried request gets the first answer and stores nothing twice.

The key is claimed in its own committed row before the work starts, so a concurrent duplicate sees
it and answers 409; the work and the stored answer then commit together, so a replay can never
describe work that was rolled back.
"""

import hashlib
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from accounts.models import IdempotencyKey
from smarketing.api import error_body

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=24)
# A claim this old whose request never finished (its process died) may be taken over.
ABANDONED_AFTER = timedelta(minutes=5)


def idempotent(view_method):
    """Decorates a DRF view's post(): honours the Idempotency-Key header when the client sends one."""

    @wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(view, request, *args, **kwargs)
        if not key.strip() or len(key) > 255 or not key.isprintable():
            body = error_body("invalid_idempotency_key", "Idempotency-Key must be 1 to 255 printable characters.")
            return Response(body, status=400)
        fingerprint = hashlib.sha256(
            b"%s %s\n%s" % (request.method.encode(), request.path.encode(), request.body)
        ).hexdigest()
        claim, answer = _claim(member=request.member, key=key, fingerprint=fingerprint)
        if answer is not None:
            return answer
        try:
            with transaction.atomic():
                response = view_method(view, request, *args, **kwargs)
                if response.status_code < 500:
                    IdempotencyKey.objects.filter(pk=claim.pk).update(
                        state=IdempotencyKey.State.DONE,
                        response_status=response.status_code,
                        response_body=response.data,
                    )
        except BaseException:
            IdempotencyKey.objects.filter(pk=claim.pk, state=IdempotencyKey.State.IN_PROGRESS).delete()
            raise
        if response.status_code >= 500:
            IdempotencyKey.objects.filter(pk=claim.pk).delete()
        return response

    wrapper.honours_idempotency_key = True
    return wrapper


def is_idempotent(view_method) -> bool:
    """Whether a view method honours Idempotency-Key (the OpenAPI schema documents the header for it)."""
    return getattr(view_method, "honours_idempotency_key", False)


def _claim(*, member, key: str, fingerprint: str) -> tuple[IdempotencyKey | None, Response | None]:
    now = timezone.now()
    stale = IdempotencyKey.objects.filter(org_id=member.org_id, member=member, key=key)
    stale.filter(created_at__lt=now - KEEP_FOR).delete()
    stale.filter(state=IdempotencyKey.State.IN_PROGRESS, created_at__lt=now - ABANDONED_AFTER).delete()
    try:
        with transaction.atomic():
            claim = IdempotencyKey.objects.create(org_id=member.org_id, member=member, key=key, fingerprint=fingerprint)
        return claim, None
    except IntegrityError:
        pass
    earlier = IdempotencyKey.objects.filter(org_id=member.org_id, member=member, key=key).first()
    if earlier is None:
        return _claim(member=member, key=key, fingerprint=fingerprint)
    if earlier.fingerprint != fingerprint:
        message = "This Idempotency-Key was used for a different request. Use a new key for a new request."
        return None, Response(error_body("idempotency_key_reused", message), status=422)
    if earlier.state == IdempotencyKey.State.IN_PROGRESS:
        message = "A request with this Idempotency-Key is still being processed. Retry in a moment."
        return None, Response(error_body("idempotency_key_in_use", message), status=409)
    return None, Response(
        earlier.response_body, status=earlier.response_status, headers={"Idempotent-Replayed": "true"}
    )


def forget_old_idempotency_keys() -> int:
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
    return deleted
