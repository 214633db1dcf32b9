"""`Authorization: Bearer smk_…`: a token acts as its member, with that member's role and organization."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import AuditEvent
from accounts.security import secret_matches, split_token
from accounts.selectors import find_api_token
from accounts.services import note_api_token_used, record_audit_event


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        parts = split_token(value.strip())
        token = find_api_token(public_id=parts[0]) if parts else None
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API token.")
        if not secret_matches(parts[1], token.secret_hash):
            # A real token's id with a wrong secret is someone guessing at that token: the org's admins
            # see it. Garbage ids are only refused, or a scan would fill the append-only log.
            self._refuse(request, token, "wrong secret")
        member = token.member
        # Deactivating the member (or the person) ends the token at once.
        if not (member.is_active and member.user.is_active):
            self._refuse(request, token, "member deactivated")
        note_api_token_used(token=token)
        request._request.member = member
        return member.user, token

    @staticmethod
    def _refuse(request, token, reason: str):
        record_audit_event(
            kind=AuditEvent.Kind.TOKEN_REJECTED,
            request=request,
            org=token.org,
            actor=token.member.user,
            outcome=AuditEvent.Outcome.DENIED,
            details={"token": token.display, "reason": reason},
        )
        raise exceptions.AuthenticationFailed("Invalid or revoked API token.")

    def authenticate_header(self, request) -> str:
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token scheme in the OpenAPI schema, so /api/docs/ offers an Authorize button."""

    target_class = BearerTokenAuthentication
    name = "BearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "smk_<id>_<secret>"}
