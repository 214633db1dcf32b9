"""The OpenAPI schema tells the whole truth: every status an operation can answer, with its body.

drf-spectacular documents what a view declares; the answers every API view shares (401 without a
token, 403 for a role, 429 when throttled, 404 for ids outside the caller's organization, 400 for
bad input, the Idempotency-Key answers) come from smarketing.api and smarketing.idempotency, so
they are added here, once, in the error shape those modules send. Schemathesis checks the result
against the running server (tests/security/test_api_fuzz.py).
"""

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from smarketing.idempotency import HEADER as IDEMPOTENCY_HEADER
from smarketing.idempotency import is_idempotent


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A stable machine code, e.g. invalid, not_found, illegal_transition")
    message = serializers.CharField(help_text="For humans: what is wrong and what to do")
    fields = serializers.DictField(help_text="Errors by field name (lists of messages, nested for batches)")


BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
WEB_SERVER_ONLY = "414"
ERRORS = {
    "400": "The request is not valid: see message and fields.",
    "401": "No valid API token (Authorization: Bearer …) and no signed-in session.",
    "403": "Your role does not allow this.",
    "404": "Not found in your organization (another organization's ids answer the same).",
    "409": "The object's current state does not allow this, or someone else got there first.",
    "413": "The request body is larger than this operation accepts.",
    "414": "The address with its query is longer than the web server in front of the app takes (gunicorn: 4 KB); "
    "that server answers, not in the JSON error shape.",
    "415": "Send the body as application/json.",
    "422": "This Idempotency-Key was already used for a different request.",
    "429": "Too many requests: wait for the seconds in Retry-After.",
}


class AutoSchema(openapi.AutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self._idempotent():
            parameters = [
                *parameters,
                OpenApiParameter(
                    IDEMPOTENCY_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER,
                    description="1 to 255 printable characters. A retry with the same key and body gets the first "
                    "answer (header Idempotent-Replayed: true) and stores nothing twice; keys live 24 hours.",
                ),
            ]  # fmt: skip
        return parameters

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            # Every query parameter of this API reads a blank value as "not sent", as HTML forms send them.
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        responses = operation["responses"]
        for code in self._error_statuses(operation):
            declared = responses.get(code, {})
            if code == WEB_SERVER_ONLY:
                responses[code] = {"description": ERRORS[code]}
            elif "content" not in declared:
                description = declared.get("description") or ERRORS[code]
                responses[code] = self._get_response_for_code(OpenApiResponse(ErrorSerializer, description), code)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _idempotent(self) -> bool:
        return is_idempotent(getattr(self.view, self.method.lower(), None))

    def _error_statuses(self, operation: dict) -> list[str]:
        codes = ["401", "403", "429"]
        parameters = operation.get("parameters", [])
        if "{" in self.path or any(p["name"] == "page" for p in parameters):
            codes.append("404")  # an id outside the caller's organization, or a page past the last
        if self.method in BODY_METHODS or any(p["in"] == "query" for p in parameters):
            codes.append("400")
        if any(p["in"] == "query" for p in parameters):
            codes.append(WEB_SERVER_ONLY)
        if self.method in BODY_METHODS:
            codes += ["413", "415"]
        if self._idempotent():
            codes += ["409", "422"]
        return codes + [code for code in operation["responses"] if code in ERRORS and code not in codes]
