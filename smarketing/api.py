"""What every API view shares: who may call, how fast, how errors look, how lists are paged."""

import logging
from collections.abc import Mapping
from weakref import WeakKeyDictionary

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.http import Http404
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from accounts.roles import Capability
from accounts.security import client_ip
from smarketing.errors import DomainError
from smarketing.outage import Pause

logger = logging.getLogger(__name__)
# Once the throttle cache failed, requests pass unthrottled for a few seconds without asking it.
throttle_pause = Pause(seconds=5)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"code": code, "message": message, "fields": fields or {}}


def _fields_of(detail) -> dict:
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {"non_field_errors": [detail]}


def _first_message(fields: dict) -> str:
    for name, errors in fields.items():
        first = errors[0] if isinstance(errors, list) and errors else errors
        if isinstance(first, dict):
            return _first_message(first)
        label = "" if name == "non_field_errors" else f"{name}: "
        return f"{label}{first}"
    return "The request is not valid."


def exception_handler(exc, context) -> Response | None:
    """Every API error as {"code", "message", "fields"}; never a trace, never a 500 for bad input."""
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent):
        return Response(
            error_body("too_large", "The request body is larger than this endpoint accepts."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields_of(exc.detail)
        body = error_body("invalid", _first_message(fields), fields)
    else:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        body = error_body(getattr(exc.detail, "code", None) or exc.default_code, detail)
    return Response(body, status=exc.status_code, headers=headers)


def _type_problem(field: serializers.Field, value) -> str | None:
    if value is None:
        return None  # the field's allow_null decides
    if own := getattr(field, "json_types", None):
        return None if isinstance(value, own) and not isinstance(value, bool) else "Must be text or an id."
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Must be true or false."
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        return None if isinstance(value, int) and not isinstance(value, bool) else "Must be a whole number."
    if isinstance(field, serializers.CharField):
        return None if isinstance(value, str) else "Must be text."
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        problems = {_type_problem(field.child, item) for item in value} - {None}
        return f"Each item: {problems.pop()}" if problems else None
    return None


class JSONTypes:
    # A serializer mixin for API input: each field takes the JSON type the schema gives it. DRF reads
    # 5 as the text "5", "yes" as true and "7" as the id 7; the schema promises strings, booleans and
    # integers, so anything else answers 400 instead of being quietly converted. (A comment, not a
    # docstring: drf-spectacular would print a docstring as every serializer's description.)

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {}
            for field in self._writable_fields:
                if field.field_name in data and (problem := _type_problem(field, data[field.field_name])):
                    errors[field.field_name] = [problem]
            if errors:
                raise exceptions.ValidationError(errors)
        return super().to_internal_value(data)


class AwareDateTimeField(serializers.DateTimeField):
    """A moment with its UTC offset: DRF would read one without as the server's local time."""

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        try:
            parsed = parse_datetime(value.strip()) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is None:
            raise exceptions.ValidationError("Add the UTC offset (like +01:00 or Z): the moment is ambiguous without.")
        return moment


class IsOrgMember(BasePermission):
    """An active member of an organization: by token, or by a signed-in session."""

    message = "Sign in or send a valid API token."

    def has_permission(self, request, view) -> bool:
        member = getattr(request, "member", None)
        return member is not None and member.is_active


def member_can(capability: Capability) -> type[BasePermission]:
    class MemberCan(BasePermission):
        message = "Your role does not allow this."

        def has_permission(self, request, view) -> bool:
            member = getattr(request, "member", None)
            return member is not None and member.can(capability)

    MemberCan.__name__ = f"MemberCan_{capability.value}"
    return MemberCan


class WindowThrottle(SimpleRateThrottle):
    """A counter per caller and time window, in the throttle cache: O(1) per request.

    DRF's default keeps every request's timestamp of the window in one cache value; at integration
    rates that value grows to thousands of entries read and written on every call. When the cache
    (Redis) is unreachable, requests pass: throttling is protection, not a reason to fail.
    """

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.wait_seconds = self.duration - (now % self.duration)
        counters = caches["throttle"]
        if throttle_pause.active:
            return True
        try:
            count = _count_request(counters, f"{key}:{window}", self.duration + 1)
        except Exception:
            throttle_pause.failed()
            logger.warning("throttle cache unreachable; not throttling", exc_info=True)
            return True
        return count <= self.num_requests

    def wait(self) -> float:
        return self.wait_seconds


def _count_request(counters, key: str, timeout: int) -> int:
    """Adds one to the window's counter, created with its expiry if new, and returns the count."""
    if isinstance(counters, RedisCache):
        return _window_counter(counters)(keys=[counters.make_and_validate_key(key)], args=[timeout])
    counters.add(key, 0, timeout)
    return counters.incr(key)


# One round trip, atomic: the counter gets its expiry in the same step that creates it, so a
# process dying in between cannot leave a counter that never expires (and throttles for ever).
_COUNT_IN_WINDOW = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
# Django's Redis cache builds a new redis-py client for every call it makes (a fifth of a
# millisecond, on every API request here); the throttle keeps one per cache (per thread) instead.
_window_counters: WeakKeyDictionary = WeakKeyDictionary()


def _window_counter(counters: RedisCache):
    script = _window_counters.get(counters)
    if script is None:
        script = _window_counters[counters] = counters._cache.get_client(write=True).register_script(_COUNT_IN_WINDOW)
    return script


class MemberRateThrottle(WindowThrottle):
    """Per member, whether it calls with a token or a session."""

    scope = "member"

    def get_cache_key(self, request, view) -> str | None:
        member = getattr(request, "member", None)
        if member is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": member.pk}


class AnonymousRateThrottle(WindowThrottle):
    """Per client address; X-Forwarded-For counts only behind trusted proxies (see client_ip)."""

    scope = "anonymous"

    def get_cache_key(self, request, view) -> str | None:
        if getattr(request, "member", None) is not None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request) -> int:
        # DRF quietly falls back to the default for a page_size it cannot read; a client asking for
        # 1000 rows and getting 50 would think it has them all, so a bad value is refused instead.
        raw = request.query_params.get(self.page_size_query_param, "").strip()
        if not raw:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            message = f"A whole number from 1 to {self.max_page_size}."
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return int(raw)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size, default=self.page_size)
        return parameters
