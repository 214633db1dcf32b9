"""Client addresses and API token secrets: the small pieces every security check shares."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.http import HttpRequest

TOKEN_PREFIX = "smk"  # noqa: S105 -- a label, not a secret


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address. X-Forwarded-For counts only as far as TRUSTED_PROXY_COUNT proxies vouch for it."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    # Each trusted proxy appends the address it saw; anything further left was written by the client.
    return hops[-proxies] if len(hops) >= proxies else remote


def new_token_parts() -> tuple[str, str]:
    return secrets.token_hex(6), secrets.token_urlsafe(30)


def token_string(public_id: str, secret: str) -> str:
    return f"{TOKEN_PREFIX}_{public_id}_{secret}"


def split_token(token: str) -> tuple[str, str] | None:
    prefix, _, rest = token.partition("_")
    public_id, _, secret = rest.partition("_")
    if prefix != TOKEN_PREFIX or not public_id or not secret or len(token) > 200:
        return None
    return public_id, secret


def hash_secret(secret: str) -> str:
    # The secret is 240 random bits, so a plain digest is enough; no password stretching needed.
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash)
