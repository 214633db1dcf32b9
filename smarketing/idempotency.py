"""`Idempotency-Key` for API writes: a retried request gets the first answer and stores nothing twice.

The key is claimed in its own committed row before the work starts, so a concurrent duplicate sees
it and answers 409; the work and the stored answer then commit together, so a replay can never
describe work that was rolled back.
"""

import hashlib
from datetime import timedelta
from functools import wraps

from django.db import connection, transaction
from django.db.models import Q
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
                    IdempotencyKey.objects.filter(pk=claim).update(
                        state=IdempotencyKey.State.DONE,
                        response_status=response.status_code,
                        response_body=response.data,
                    )
        except BaseException:
            IdempotencyKey.objects.filter(pk=claim, state=IdempotencyKey.State.IN_PROGRESS).delete()
            raise
        if response.status_code >= 500:
            IdempotencyKey.objects.filter(pk=claim).delete()
        return response

    wrapper.honours_idempotency_key = True
    return wrapper


def is_idempotent(view_method) -> bool:
    """Whether a view method honours Idempotency-Key (the OpenAPI schema documents the header for it)."""
    return getattr(view_method, "honours_idempotency_key", False)


def _claim(*, member, key: str, fingerprint: str) -> tuple[int | None, Response | None]:
    """Claims the key for this request (its row's id), or gives the answer its earlier use calls for."""
    now = timezone.now()
    # Each statement commits on its own (autocommit): the claim is visible to a concurrent duplicate
    # before the work starts. A key kept past its day, or claimed by a request that died, is taken over.
    mine = IdempotencyKey.objects.filter(org_id=member.org_id, member=member, key=key)
    abandoned = Q(state=IdempotencyKey.State.IN_PROGRESS, created_at__lt=now - ABANDONED_AFTER)
    mine.filter(Q(created_at__lt=now - KEEP_FOR) | abandoned).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_idempotencykey (org_id, member_id, key, fingerprint, state, created_at)
            VALUES (%s, %s, %s, %s, %s, %s)
            ON CONFLICT (org_id, member_id, key) DO NOTHING
            RETURNING id
            """,
            [member.org_id, member.pk, key, fingerprint, IdempotencyKey.State.IN_PROGRESS, now],
        )
        claimed = cursor.fetchone()
    if claimed is not None:
        return claimed[0], None
    earlier = mine.first()
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
